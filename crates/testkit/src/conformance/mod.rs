//! The storage conformance suite: every backend runs every check here against a fresh, empty,
//! migrated database, one module per storage trait. Use
//! [`conformance_tests!`](crate::conformance_tests) to generate one test per check.

pub mod accounts;
pub mod alerts;
pub mod assessments;
pub mod audit;
pub mod calendar;
pub mod cases;
pub mod complaints;
pub mod exports;
pub mod feeds;
pub mod households;
pub mod maintenance;
pub mod online;
pub mod payees;
pub mod payments;
pub mod questions;
pub mod ratings;
pub mod regions;

pub use audit::TestSealer;

use crate::fixtures::*;
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use jiuzhu_domain::*;
use jiuzhu_store::*;

fn new_case(household_id: i64, village: &str, kind: jiuzhu_domain::casework::AssistanceKind, due: Option<NaiveDate>) -> NewCase {
    use jiuzhu_domain::casework::*;
    NewCase {
        household_id,
        region: code(village),
        kind,
        purpose: Purpose::Application,
        track: Track::Normal,
        state: CaseState::Accepted,
        applicant: "王建国".into(),
        opened_on: today(),
        accepted_on: Some(today()),
        step_started_on: today(),
        step_due: due,
        overall_due: due,
        due_role: Some(Role::WindowClerk),
        department: None,
        contested: false,
        near_relative: true,
        extended: false,
        spot_check_required: false,
        benefit_id: None,
        details: CaseDetails {
            materials: materials_for(kind, Track::Normal, true, false),
            request: "因病致贫，申请低保".into(),
            ..Default::default()
        },
    }
}

fn opened(role: Role) -> NewCaseEvent {
    NewCaseEvent {
        actor: Actor { account_id: Some(7), username: "clerk".into() },
        role: Some(role),
        action: "intake".into(),
        from_state: None,
        to_state: jiuzhu_domain::casework::CaseState::Accepted,
        note: "受理".into(),
    }
}

async fn one_household(s: &dyn Store, village: &str, seq: u32) -> i64 {
    s.upsert_regions(&crate::fixtures::two_towns()).await.unwrap();
    s.insert_households(&[sample_household(village, "王建国", seq)], &actor()).await.unwrap()[0]
}

/// Generates one `#[tokio::test]` per conformance check, in one module per storage trait
/// (`households::search_stays_in_scope` …). `$make` is an async expression returning a fresh,
/// empty, migrated store (an `impl Store`), or `None` to skip with a message.
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr) => {
        $crate::conformance_tests!(@trait $make; regions: regions_load_and_navigate);
        $crate::conformance_tests!(@trait $make; households: household_round_trips_every_field, a_person_is_in_one_household_and_batches_are_all_or_nothing, search_stays_in_scope, edits_need_the_current_version_and_leave_history, moving_a_person_is_explicit_and_recorded, records_are_replaced_as_a_unit, declarations_are_kept_and_the_newest_counts, households_are_read_in_batches_whole);
        $crate::conformance_tests!(@trait $make; accounts: accounts_lock_out_and_disabling_ends_sessions, account_changes_take_effect_and_reauthentication_is_kept);
        $crate::conformance_tests!(@trait $make; assessments: assessments_are_kept_newest_first);
        $crate::conformance_tests!(@trait $make; cases: cases_keep_one_open_per_kind_and_steps_need_the_current_version, queues_stay_in_scope_and_sort_by_deadline, benefits_are_granted_with_the_step_and_come_up_for_review, photos_calendar_years_and_spot_check_counts, caseload_is_cases_waiting_for_the_role_or_acted_on);
        $crate::conformance_tests!(@trait $make; calendar: imports_are_kept_and_move_deadlines_in_one_transaction, cases_with_deadlines_from_a_year);
        $crate::conformance_tests!(@trait $make; audit: audit_entries_chain_in_order_with_a_head_and_checkpoints, pending_entries_commit_with_the_change_and_are_sealed_once);
        $crate::conformance_tests!(@trait $make; alerts: alerts_merge_while_open_and_are_handled_once);
        $crate::conformance_tests!(@trait $make; exports: exports_are_decided_once_and_downloaded_once);
        $crate::conformance_tests!(@trait $make; feeds: feed_imports_land_whole_once_and_rows_are_not_stored_twice, monitoring_pools_upsert_and_stay_in_scope);
        $crate::conformance_tests!(@trait $make; payments: payrolls_are_generated_once_approved_within_budget_and_reconciled, blocked_lines_hold_the_approval_and_rejection_frees_the_month, existing_recipients_are_taken_over_whole_or_not_at_all, receivables_are_found_once_offset_within_live_lines_and_refunded_into_the_ledger, standby_funds_keep_cash_and_vouchers_equal_to_the_imprest, each_town_signs_its_part_once_and_the_last_reviews_the_payroll, amounts_are_recorded_and_adjustments_keep_their_parts, a_rise_raises_each_benefit_once_keeping_later_changes, a_case_is_paid_once_when_a_voucher_and_the_payroll_race);
        $crate::conformance_tests!(@trait $make; payees: arrangements_are_replaced_and_ended_with_history_and_reach_the_sources, a_carers_months_never_reach_into_a_generated_month);
        $crate::conformance_tests!(@trait $make; online: applications_are_found_only_by_reference_and_their_own_secret, the_town_queue_stays_in_scope_oldest_first, an_application_is_handled_once_at_the_version_read);
        $crate::conformance_tests!(@trait $make; complaints: complaints_are_found_only_by_code_and_their_own_pin, the_handlers_queue_stays_in_scope_soonest_due_first, a_complaint_moves_one_step_at_a_time_at_the_version_read);
        $crate::conformance_tests!(@trait $make; ratings: a_matter_is_rated_once_and_read_back_whole, bad_ratings_are_listed_in_scope_soonest_due_first, a_bad_rating_is_put_right_once_at_the_version_read, ratings_are_counted_per_level_over_beijing_days_in_scope);
        $crate::conformance_tests!(@trait $make; questions: a_question_is_stored_with_its_first_message_and_found_by_code_and_its_own_pin, the_queue_stays_in_scope_waiting_soonest_due_first_others_latest_step_first, a_thread_moves_one_step_at_a_time_at_the_version_read);
        $crate::conformance_tests!(@trait $make; maintenance: a_rotation_and_a_server_never_hold_the_database_at_once, every_key_stored_values_carry_is_counted);
    };
    (@trait $make:expr; $module:ident: $($name:ident),*) => {
        mod $module {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(store) = $make.await {
                        $crate::conformance::$module::$name(&*store).await;
                    }
                }
            )*
        }
    };
}
