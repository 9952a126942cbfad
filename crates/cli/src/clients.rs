//! `phonelogin client ...`: merchants' clients, including the spec §12 settings
//! (private_key_jwt keys, signed requests, user codes, ID-token algorithm, FAPI-CIBA profile).
use clap::Subcommand;
use phonelogin_core::clock::{Clock, SystemClock, rfc3339};
use phonelogin_core::fixtures::{self, ClientSpec, Generated};
use phonelogin_core::keys::Alg;
use phonelogin_core::model::{AuthMethod, Profile};

use crate::Global;
use crate::admin::{open, print_generated};
use crate::preflight::Mode;

pub(crate) fn parse_alg(s: &str) -> Result<Alg, String> {
    Alg::parse(s).ok_or_else(|| "expected RS256, PS256 or ES256".into())
}

fn parse_profile(s: &str) -> Result<Profile, String> {
    serde_json::from_value(serde_json::Value::String(s.into())).map_err(|_| "the only profile is fapi-ciba".into())
}

// Parsed once per run: the size of the biggest variant costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
pub enum ClientCmd {
    /// Register a client; prints its generated secret once.
    Create {
        /// The client_id the merchant authenticates with.
        #[arg(long)]
        client_id: String,
        /// The merchant's name, shown to the user in the app.
        #[arg(long)]
        name: String,
        /// Space- or comma-separated scopes the client may request.
        #[arg(long, default_value = "openid name email phoneNumber address birthDate")]
        scopes: String,
        /// A redirect URI for the login_to_webpage flow (repeat for several; https unless --dev).
        #[arg(long = "redirect-uri")]
        redirect_uris: Vec<String>,
        /// client_secret_basic, client_secret_post or private_key_jwt (with --jwks or --jwks-uri).
        #[arg(long, default_value = "client_secret_basic")]
        auth_method: String,
        /// A JSON file with the client's public keys (JWKS), for private_key_jwt and signed requests.
        #[arg(long, conflicts_with = "jwks_uri")]
        jwks: Option<std::path::PathBuf>,
        /// Where to fetch the client's public keys (https).
        #[arg(long)]
        jwks_uri: Option<String>,
        /// ID-token algorithm: RS256, PS256 or ES256. [default: the server's --signing-alg]
        #[arg(long, value_parser = parse_alg)]
        id_token_alg: Option<Alg>,
        /// Require backchannel requests signed with this algorithm (RS256, PS256 or ES256).
        #[arg(long, value_parser = parse_alg)]
        request_signing_alg: Option<Alg>,
        /// The client must send the user's user code with every request.
        #[arg(long)]
        user_code_required: bool,
        /// `fapi-ciba` enforces the FAPI-CIBA profile for this client (docs/fapi-ciba.md).
        #[arg(long, value_parser = parse_profile)]
        profile: Option<Profile>,
        /// Clients of one sector share the pairwise sub and consents. [default: the client id]
        #[arg(long)]
        sector: Option<String>,
        /// An https URL of the merchant's logo, shown in the app.
        #[arg(long)]
        logo_url: Option<String>,
        /// A JSON file with the delegated-consents form (format: docs/fixtures.md).
        #[arg(long)]
        delegated_consents: Option<std::path::PathBuf>,
    },
    /// List clients: id, name, auth method, scopes.
    List,
    /// Show one client's settings (never its secret).
    Show {
        /// The client_id.
        client_id: String,
    },
    /// Delete a client; its pending logins and tokens stop working.
    Delete {
        /// The client_id.
        client_id: String,
    },
}

pub async fn client(global: &Global, cmd: ClientCmd) -> Result<(), String> {
    let (store, _) = open(global, Mode::Existing).await?;
    match cmd {
        ClientCmd::Create {
            client_id,
            name,
            scopes,
            redirect_uris,
            auth_method,
            sector,
            logo_url,
            delegated_consents,
            jwks,
            jwks_uri,
            id_token_alg,
            request_signing_alg,
            user_code_required,
            profile,
        } => {
            if store.client(&client_id).await.map_err(|e| e.to_string())?.is_some() {
                return Err(format!("client {client_id} exists already"));
            }
            let form = match delegated_consents {
                Some(f) => Some(
                    serde_json::from_str(&std::fs::read_to_string(&f).map_err(|e| e.to_string())?)
                        .map_err(|e| e.to_string())?,
                ),
                None => None,
            };
            let jwks = match jwks {
                Some(f) => Some(
                    serde_json::from_str(&std::fs::read_to_string(&f).map_err(|e| e.to_string())?)
                        .map_err(|e| format!("{}: {e}", f.display()))?,
                ),
                None => None,
            };
            let scopes = scopes.split([' ', ',']).filter(|s| !s.is_empty()).map(str::to_owned).collect();
            let spec = ClientSpec {
                logo_url,
                token_endpoint_auth_method: AuthMethod::parse(&auth_method)
                    .ok_or("auth method must be client_secret_basic, client_secret_post or private_key_jwt")?,
                redirect_uris,
                sector,
                delegated_consents: form,
                jwks,
                jwks_uri,
                backchannel_authentication_request_signing_alg: request_signing_alg,
                backchannel_user_code_parameter: user_code_required,
                id_token_signed_response_alg: id_token_alg,
                profile,
                ..ClientSpec::new(client_id, name, scopes)
            };
            let mut g = Generated::default();
            fixtures::import_client(store.as_ref(), &spec, SystemClock.now(), &mut g)
                .await
                .map_err(|e| e.to_string())?;
            print_generated(&g);
            Ok(())
        }
        ClientCmd::List => {
            for c in store.clients().await.map_err(|e| e.to_string())? {
                println!("{}\t{}\t{}\t{}", c.client_id, c.name, c.auth_method.as_str(), c.scopes);
            }
            Ok(())
        }
        ClientCmd::Show { client_id } => {
            let c = store.client(&client_id).await.map_err(|e| e.to_string())?.ok_or("no such client")?;
            println!(
                "client_id:     {}\nname:          {}\nauth method:   {}\nscopes:        {}\nredirect URIs: {}\ngrant types:   {}\nsector:        {}\ndelegated:     {}\ncreated:       {}",
                c.client_id,
                c.name,
                c.auth_method.as_str(),
                c.scopes,
                c.redirect_uris.join(" "),
                c.grant_types.join(" "),
                c.sector,
                if c.delegated_consents.is_some() { "configured" } else { "none" },
                rfc3339(c.created_at)
            );
            let sec = &c.security;
            let keys = sec.jwks_uri.clone().or(sec.jwks.as_ref().map(|_| "inline jwks".into()));
            println!(
                "keys:          {}\nid token alg:  {}\nsigned req.:   {}\nuser code:     {}\nprofile:       {}",
                keys.unwrap_or_else(|| "none".into()),
                sec.id_token_alg.map_or("server default", |a| a.as_str()),
                sec.request_signing_alg.map_or("not required", |a| a.as_str()),
                if sec.user_code_required { "required" } else { "not used" },
                if c.is_fapi() { "fapi-ciba" } else { "default" },
            );
            Ok(())
        }
        ClientCmd::Delete { client_id } => {
            if store.delete_client(&client_id).await.map_err(|e| e.to_string())? {
                Ok(())
            } else {
                Err("no such client".into())
            }
        }
    }
}
