//! The store test suite: every test is written once, as a generic function of `&dyn Store`,
//! and instantiated for each backend (`sqlite::<name>`, `postgres::<name>`).
mod admin;
mod codes;
mod consents;
mod devices;
mod enrollments;
mod fapi;
mod helpers;
mod keys;
mod outbox;
mod pending_limit;
mod polls;
mod records;
mod transitions;
mod writes;

/// Instantiates the listed tests for one backend: a module named after it (or as given) whose
/// tests open a fresh database with `TestDb::<backend>()`. A test takes `&dyn Store`, or
/// `&Arc<dyn Store>` when it races calls on tasks of their own (`helpers::race`).
macro_rules! instantiate {
    ($backend:ident: $($tests:tt)+) => {
        instantiate!($backend in $backend: $($tests)+);
    };
    ($name:ident in $backend:ident: $($module:ident::$test:ident),+ $(,)?) => {
        mod $name {
            $(
                // Several worker threads: the racing tests' calls run truly at once.
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $test() {
                    let db = crate::helpers::TestDb::$backend().await;
                    crate::$module::$test(crate::helpers::StoreArg::arg(db.store())).await;
                    db.finish().await;
                }
            )+
        }
    };
}

/// Instantiates the listed tests for every backend.
macro_rules! store_tests {
    ($($tests:tt)+) => {
        instantiate!(sqlite: $($tests)+);
        instantiate!(postgres: $($tests)+);
    };
}

store_tests!(
    records::client_upsert_replaces_by_client_id,
    records::client_delete_reports_whether_it_existed,
    records::user_upsert_by_phone_keeps_the_first_user_id,
    records::user_active_flag_is_set_by_phone,
    records::change_phone_number_keeps_the_user_id,
    records::deactivation_ends_pending_requests_revokes_tokens_and_removes_devices,
    records::retention_purges_what_ended_before_the_cut_off_in_batches,
    devices::device_is_found_by_token_hash,
    devices::a_user_is_read_by_phone_with_the_app_versions_of_their_devices,
    devices::device_upsert_replaces_same_name_and_clears_the_lock,
    devices::pin_tries_are_counted_before_comparing_and_the_fifth_wrong_locks,
    devices::right_pin_resets_the_count_and_stores_an_upgraded_verifier,
    devices::a_pin_try_counts_and_settles_in_one_step,
    devices::racing_pin_tries_never_pass_the_limit,
    devices::enrolled_devices_are_limited_per_user_even_when_racing,
    devices::removed_devices_are_gone_and_touch_records_last_use,
    enrollments::starts_are_limited_per_number_and_voids_older_codes,
    enrollments::starts_are_limited_per_address_across_numbers,
    enrollments::racing_starts_never_exceed_the_limit,
    enrollments::code_tries_are_counted_per_code_and_per_number,
    enrollments::the_number_locks_after_its_guesses_and_unlocks,
    enrollments::racing_guesses_never_pass_the_number_guard,
    enrollments::enrollment_is_consumed_once,
    enrollments::outbox_is_newest_first,
    pending_limit::insert_at_the_limit_reports_earliest_expiry,
    pending_limit::decided_expired_and_other_users_requests_do_not_count,
    pending_limit::the_limit_counts_per_client,
    pending_limit::racing_inserts_never_exceed_the_limit,
    pending_limit::request_round_trips_and_open_requests_are_newest_first,
    polls::poll_finds_the_request_and_leaves_it_unchanged,
    polls::poll_of_unknown_request_or_other_client_is_none,
    polls::redemption_inserts_the_access_token_of_the_request,
    polls::racing_redemptions_insert_one_token,
    transitions::approve_only_pending_unexpired_once,
    transitions::approve_with_pin_counts_the_attempt_and_approves_only_with_the_right_pin,
    transitions::reject_only_pending_unexpired,
    transitions::decisions_after_expiry_change_nothing,
    transitions::redeem_only_approved_unexpired_once,
    transitions::concurrent_approvals_exactly_one_wins,
    transitions::approve_racing_reject_exactly_one_wins,
    transitions::concurrent_redeems_exactly_one_wins,
    consents::approval_grants_consent_and_audits_it,
    consents::lost_approval_records_no_consent,
    consents::revoke_by_the_granting_client,
    consents::revoke_by_another_client_of_the_same_sector,
    consents::revoke_covers_a_client_that_moved_sector,
    consents::delegated_answers_are_stored_with_the_approval,
    codes::code_first_use_redeems,
    codes::code_replay_revokes_the_tokens_issued_from_it,
    codes::expired_unknown_or_other_clients_code_is_invalid,
    codes::racing_code_exchanges_redeem_once,
    keys::rotation_keeps_one_active_key_and_retires_the_old,
    keys::racing_rotations_leave_one_active_key,
    admin::admin_token_names_are_unique_and_revocation_is_kept,
    admin::audit_log_pages_by_increasing_id,
    admin::racing_user_inserts_of_one_number_make_one_user,
    admin::scim_meta_is_set_and_replaced,
    keys::each_algorithm_has_its_own_active_key,
    fapi::a_jti_is_used_once_until_it_expires,
    fapi::racing_uses_of_one_jti_have_one_winner,
    fapi::user_code_attempts_are_counted_and_lock,
    fapi::racing_user_code_attempts_never_exceed_the_limit,
    fapi::a_revoked_token_is_gone,
    fapi::client_security_settings_round_trip,
    outbox::a_claimed_message_is_leased_then_retried_at_its_time,
    outbox::a_lease_of_a_dead_node_runs_out,
    outbox::a_restart_makes_waiting_messages_due_at_once,
    outbox::racing_claims_hand_each_message_to_one_worker,
    outbox::a_push_to_user_devices_is_one_message_per_subscription,
    outbox::a_login_request_carries_its_push_and_its_decision_its_ping,
    outbox::a_revoked_consent_writes_its_webhook_and_a_missing_one_writes_nothing,
    outbox::push_subscription_is_one_per_device_and_goes_with_it,
    outbox::racing_nodes_agree_on_one_vapid_key,
    outbox::ended_messages_go_with_retention_and_pending_ones_stay,
    writes::parallel_writes_are_each_visible_once_answered,
    writes::a_failing_write_leaves_its_neighbours_written,
);

// Where the backends differ: PostgreSQL keeps the pace of polls, shared by the nodes; SQLite
// leaves it to the one server's memory.
instantiate!(
    postgres_paces in postgres: polls::a_first_poll_is_in_time_and_an_early_one_grows_the_interval,
    polls::racing_polls_have_exactly_one_in_time,
    polls::paces_go_when_the_request_ends,
    polls::retention_deletes_the_paces_of_expired_requests,
);
instantiate!(sqlite_paces in sqlite: polls::sqlite_leaves_the_pace_to_the_server);

/// STYLE pattern 7: both migration folders carry the same numbers, and each backend embeds
/// every file of its folder.
#[test]
fn migration_folders_have_the_same_numbers() {
    let numbers =
        |migrations: &[(i64, &str, &str)]| migrations.iter().map(|(n, d, _)| (*n, d.to_string())).collect::<Vec<_>>();
    assert_eq!(numbers(phonelogin_store::sqlite::MIGRATIONS), numbers(phonelogin_store::postgres::MIGRATIONS));
    for (backend, embedded) in
        [("sqlite", phonelogin_store::sqlite::MIGRATIONS), ("postgres", phonelogin_store::postgres::MIGRATIONS)]
    {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(backend);
        let mut files: Vec<(i64, String)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .map(|name| {
                let (number, rest) = name.split_once('_').expect("NNNN_name.sql");
                let sql = std::fs::read_to_string(dir.join(&name)).unwrap();
                assert!(rest.ends_with(".sql"), "{backend}/{name}");
                (number.parse().expect("a numbered migration"), sql)
            })
            .collect();
        files.sort();
        let embedded: Vec<(i64, String)> = embedded.iter().map(|(n, _, sql)| (*n, sql.to_string())).collect();
        assert_eq!(files, embedded, "{backend}: the folder and the embedded MIGRATIONS differ");
    }
}

/// Several nodes (or processes) starting at once on one new database: each finds the
/// migrations applied once, by whichever got there first.
async fn open_together(url: &str) {
    let opens = (0..4).map(|_| phonelogin_store::open(url));
    for opened in futures::future::join_all(opens).await {
        drop(opened.expect("a node starting beside others"));
    }
}

#[tokio::test]
async fn sqlite_processes_opening_a_new_file_together_migrate_once() {
    for _ in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        open_together(&format!("sqlite://{}/store.db", dir.path().display())).await;
    }
}

/// A SQLite file as an earlier version left it: its bookkeeping table made by `bookkeeping`,
/// then the first `upto` migrations applied, each recorded by `record` (?1 the version, ?2 the
/// description).
fn file_at(path: &std::path::Path, bookkeeping: &str, record: &str, upto: usize) -> rusqlite::Connection {
    let old = rusqlite::Connection::open(path).unwrap();
    old.execute_batch(bookkeeping).unwrap();
    for (version, description, sql) in &phonelogin_store::sqlite::MIGRATIONS[..upto] {
        old.execute_batch(sql).unwrap();
        old.execute(record, rusqlite::params![version, description]).unwrap();
    }
    old
}

/// A file the sqlx-based versions made records its migrations in sqlx's `_sqlx_migrations`:
/// those count as applied (none runs twice: an `ALTER TABLE … ADD COLUMN` would fail), the
/// newer ones apply, and the data stays.
#[tokio::test]
async fn sqlite_a_file_migrated_by_sqlx_keeps_its_data_and_gets_the_newer_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        // sqlx 0.9's bookkeeping table, as its SQLite migrator creates it. Up to 0005: 0006 (the
        // outbox) and the later ones are newer than that file.
        let old = file_at(
            &path,
            "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL,
               installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL,
               checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)",
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (?1, ?2, TRUE, x'00', 1)",
            5,
        );
        old.execute(
            "INSERT INTO users (user_id, phone_number, given_name, family_name, email_verified, active, addresses, created_at)
             VALUES ('u-old', '4712345678', 'Ada', 'Lovelace', 0, 1, '[]', 1)",
            [],
        )
        .unwrap();
    }
    let url = format!("sqlite://{}", path.display());
    for _ in 0..2 {
        let store = phonelogin_store::open(&url).await.expect("a file migrated by sqlx opens");
        assert_eq!(store.user("u-old").await.unwrap().expect("kept").given_name, "Ada");
        // 0006's table is there.
        assert_eq!(store.pending_messages().await.unwrap(), 0);
    }
}

/// Migration 0009 rebuilds `login_requests` (keyed by id, hashes only for earlier requests): a
/// pending request of a file from before it is still found by the hash of its auth_req_id,
/// and an approved one's redirect code still exchanges once; new requests go in beside them.
#[tokio::test]
async fn sqlite_requests_from_before_0009_are_still_found_by_their_hashes() {
    use phonelogin_core::store::{AuthReqKey, CodeExchange, Insert};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v8.db");
    {
        let old = file_at(
            &path,
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)",
            "INSERT INTO schema_migrations VALUES (?1, ?2, 1)",
            8,
        );
        let columns = "id, auth_req_hash, client_id, user_id, scopes, status, created_at, expires_at, poll_interval, code_hash, code_expires_at";
        let hash = phonelogin_core::crypto::sha256_hex;
        for (id, hash, status, code) in [
            ("r-old", hash("auth-req-old"), "pending", None),
            ("r-done", hash("auth-req-done"), "approved", Some("code-done")),
        ] {
            old.execute(
                &format!(
                    "INSERT INTO login_requests ({columns}) VALUES (?1, ?2, ?3, ?4, 'openid', ?5, ?6, ?7, 5, ?8, ?7)"
                ),
                rusqlite::params![
                    id,
                    hash,
                    helpers::CLIENT,
                    helpers::USER,
                    status,
                    helpers::NOW,
                    helpers::NOW + 600,
                    code
                ],
            )
            .unwrap();
        }
    }
    let store = phonelogin_store::open(&format!("sqlite://{}", path.display())).await.expect("migrated");
    let by_hash = AuthReqKey { auth_req_id: "auth-req-old", request_id: None };
    let polled =
        store.poll_login_request(by_hash, helpers::CLIENT, helpers::NOW).await.unwrap().expect("found by hash");
    assert_eq!(polled.request.id, "r-old");
    assert!(store.poll_login_request(by_hash, "other-client", helpers::NOW).await.unwrap().is_none());
    let issued = helpers::issued("token-done");
    let exchange = || store.exchange_code("code-done", helpers::CLIENT, &issued, helpers::NOW + 1);
    assert!(matches!(exchange().await.unwrap(), CodeExchange::Redeemed(r) if r.id == "r-done"));
    assert!(matches!(exchange().await.unwrap(), CodeExchange::Replayed));
    let inserted = store.insert_login_request(&helpers::login("r-new"), 10, helpers::NOW).await.unwrap();
    assert_eq!(inserted, Insert::Inserted { messages: 0 });
    let by_id = AuthReqKey { auth_req_id: "auth-req-r-new", request_id: Some("r-new") };
    assert!(store.poll_login_request(by_id, helpers::CLIENT, helpers::NOW).await.unwrap().is_some());
}

/// sqlx's PostgreSQL migrator holds an advisory lock while it migrates.
#[tokio::test]
async fn postgres_nodes_starting_together_migrate_once() {
    let db = helpers::PgDatabase::create().await;
    open_together(&db.url).await;
    db.drop().await;
}

#[tokio::test]
async fn open_refuses_other_schemes_without_echoing_the_url() {
    let e = phonelogin_store::open("mysql://root:hunter2@localhost/db").await.err().expect("refused");
    assert!(e.0.contains("\"mysql\""), "{e}");
    assert!(!e.0.contains("hunter2"), "{e}");
}
