//! Delegated consents (spec §5): the merchant's marketing-consent form, the catalogue of
//! standard consents, validation of the user's answers and the userinfo object.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A text in the two languages the app shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Texts {
    #[serde(rename = "EN", default)]
    pub en: String,
    #[serde(rename = "NO", default)]
    pub no: String,
}

impl Texts {
    fn new(en: &str, no: &str) -> Self {
        Self { en: en.to_owned(), no: no.to_owned() }
    }
    pub fn get(&self, lang: Language) -> &str {
        match lang {
            Language::En => &self.en,
            Language::No => &self.no,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Language {
    #[default]
    #[serde(rename = "EN", alias = "en")]
    En,
    #[serde(rename = "NO", alias = "no", alias = "nb")]
    No,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentItem {
    pub id: String,
    #[serde(default)]
    pub required: bool,
    /// Custom consents bring their text; catalogue ids get the standard one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Texts>,
}

impl ConsentItem {
    /// The text shown to the user: the custom one, else the catalogue's.
    pub fn display_text(&self) -> Texts {
        self.text.clone().or_else(|| catalogue(&self.id)).unwrap_or_default()
    }
}

/// The standard consents (spec §5).
pub fn catalogue(id: &str) -> Option<Texts> {
    Some(match id {
        "email" => Texts::new("Receive offers via email", "Motta tilbud på e-post"),
        "sms" => Texts::new("Receive offers via SMS", "Motta tilbud på SMS"),
        "digital" => Texts::new("I would like to receive digital marketing", "Jeg vil motta digital markedsføring"),
        "personal" => Texts::new("Get customized offers", "Få tilpassede tilbud"),
        _ => return None,
    })
}

/// A client's delegated-consents configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegatedConsentForm {
    #[serde(default)]
    pub heading: Texts,
    #[serde(default)]
    pub text: Texts,
    #[serde(default)]
    pub terms_url: String,
    #[serde(default)]
    pub privacy_url: String,
    pub consents: Vec<ConsentItem>,
}

impl DelegatedConsentForm {
    /// A form is usable when it has consents and every one has a text.
    pub fn validate(&self) -> Result<(), String> {
        if self.consents.is_empty() {
            return Err("delegated_consents needs at least one consent".into());
        }
        for c in &self.consents {
            if c.text.is_none() && catalogue(&c.id).is_none() {
                return Err(format!("consent '{}' is not in the catalogue and has no text", c.id));
            }
        }
        Ok(())
    }

    /// Checks the user's ticks: every required consent must be accepted. Unknown ids are ignored.
    pub fn answer(&self, ticks: &BTreeMap<String, bool>) -> Result<BTreeMap<String, bool>, String> {
        let mut answers = BTreeMap::new();
        for c in &self.consents {
            let accepted = ticks.get(&c.id).copied().unwrap_or(false);
            if c.required && !accepted {
                return Err(c.id.clone());
            }
            answers.insert(c.id.clone(), accepted);
        }
        Ok(answers)
    }
}

/// The answers stored with a login: the ticks, the language shown, the time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegatedAnswers {
    pub language: Language,
    pub answers: BTreeMap<String, bool>,
    pub answered_at: i64,
}

/// The `delegatedConsents` userinfo object (spec §5).
pub fn userinfo_object(form: &DelegatedConsentForm, answers: &DelegatedAnswers) -> serde_json::Value {
    let lang = answers.language;
    let fixed = |en: &str, no: &str| match lang {
        Language::En => en.to_owned(),
        Language::No => no.to_owned(),
    };
    let consents: Vec<serde_json::Value> = form
        .consents
        .iter()
        .map(|c| {
            serde_json::json!({
                "id": c.id,
                "accepted": answers.answers.get(&c.id).copied().unwrap_or(false),
                "required": c.required,
                "textDisplayedToUser": c.display_text().get(lang),
            })
        })
        .collect();
    serde_json::json!({
        "language": lang,
        "heading": form.heading.get(lang),
        "text": form.text.get(lang),
        "termsDescription": fixed(
            "By confirming you accept the terms and the privacy statement of the merchant.",
            "Ved å bekrefte godtar du vilkårene og personvernerklæringen til brukerstedet."),
        "confirmConsentButtonText": fixed("Confirm", "Bekreft"),
        "links": {
            "termsLinkText": fixed("Terms", "Vilkår"),
            "termsLinkUrl": form.terms_url,
            "privacyStatementLinkText": fixed("Privacy statement", "Personvernerklæring"),
            "privacyStatementLinkUrl": form.privacy_url,
        },
        "timeOfConsent": crate::clock::rfc3339(answers.answered_at),
        "consents": consents,
    })
}
