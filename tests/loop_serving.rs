//! Serving: typed request validation, deterministic canary routing, the canary's analysis and
//! actions, instant rollback.
#![cfg(not(target_arch = "wasm32"))]

use mlops_loop::data::{make_data, Drift};
use mlops_loop::gbm::GbmParams;
use mlops_loop::serving::{
    analyze_canary, route_bucket, AnalysisOutcome, CanaryAction, CanaryPlan, ChurnRequest,
    Deployed, ServedBy, Service,
};

fn deployed(version: u32, seed: u128) -> Deployed {
    let df = make_data(seed, Drift::Float(0.0), 400).expect("data");
    let model = GbmParams::new()
        .n_estimators(10)
        .check()
        .expect("params")
        .fit(&df.features(), df.labels())
        .expect("fit");
    Deployed {
        version,
        label: format!("1.{}.0", version - 1),
        model,
    }
}

fn req(id: u64) -> ChurnRequest {
    ChurnRequest {
        request_id: id,
        spend_per_active_day: 3.5,
        is_recent: 1,
        days_since_login: 12.0,
    }
}

#[test]
fn invalid_requests_name_the_field() {
    let s = Service::new(deployed(1, 1), 0);
    let cases = [
        (
            ChurnRequest {
                spend_per_active_day: -1.0,
                ..req(1)
            },
            "spend_per_active_day = -1",
        ),
        (
            ChurnRequest {
                spend_per_active_day: f64::NAN,
                ..req(1)
            },
            "spend_per_active_day = NaN",
        ),
        (
            ChurnRequest {
                is_recent: 2,
                ..req(1)
            },
            "is_recent = 2",
        ),
        (
            ChurnRequest {
                days_since_login: f64::INFINITY,
                ..req(1)
            },
            "days_since_login = inf",
        ),
    ];
    for (r, want) in cases {
        let e = s.predict(&r).unwrap_err().to_string();
        assert!(e.contains(want), "{e} should name {want}");
    }
    let json = r#"{"request_id": 1, "spend_per_active_day": 1.0, "is_recent": 0}"#;
    let e = serde_json::from_str::<ChurnRequest>(json)
        .unwrap_err()
        .to_string();
    assert!(e.contains("days_since_login"), "{e}");
    let ok = s.predict(&req(5)).expect("valid");
    assert_eq!((ok.model_version, ok.served_by), (1, ServedBy::Stable));
    assert!((0.0..=1.0).contains(&ok.churn_probability));
}

#[test]
fn canary_routing_is_deterministic_and_matches_the_weight() {
    let mut s = Service::new(deployed(1, 1), 42);
    assert_eq!(
        s.start_canary(deployed(2, 2), CanaryPlan::default())
            .expect("start"),
        10
    );
    let first: Vec<ServedBy> = (0..20_000).map(|id| s.route(id)).collect();
    let again: Vec<ServedBy> = (0..20_000).map(|id| s.route(id)).collect();
    assert_eq!(first, again);
    let share = first.iter().filter(|b| **b == ServedBy::Canary).count() as f64 / 20_000.0;
    assert!((0.09..0.11).contains(&share), "10 % step routed {share}");
    // Buckets depend on the seed as well as on the id.
    assert_ne!(route_bucket(42, 7), route_bucket(43, 7));
    let r = s.predict(&req(
        first.iter().position(|b| *b == ServedBy::Canary).unwrap() as u64,
    ));
    assert_eq!(r.expect("canary").model_version, 2);
    // Batch serving routes the same way as single requests.
    let rows = vec![[3.5, 1.0, 12.0]; 500];
    let batch = s.predict_rows(&rows, 1000).expect("batch");
    for (i, by) in batch.served_by.iter().enumerate() {
        assert_eq!(*by, s.route(1000 + i as u64));
    }
    // After one step at 50 %, half of the traffic.
    let plan = CanaryPlan::default();
    let y = [0, 1, 0, 1];
    let good = [0.1, 0.9, 0.2, 0.8];
    let mut ok = analyze_canary(
        &y,
        &good,
        &y,
        &good,
        &CanaryPlan {
            min_labels: 4,
            ..plan
        },
    )
    .expect("analysis");
    ok.outcome = AnalysisOutcome::Successful;
    assert_eq!(
        s.apply_analysis(&ok, true).expect("advance"),
        CanaryAction::Advanced { weight: 50 }
    );
    let share = (0..20_000u64)
        .filter(|&id| s.route(id) == ServedBy::Canary)
        .count() as f64
        / 20_000.0;
    assert!((0.48..0.52).contains(&share), "50 % step routed {share}");
}

#[test]
fn canary_analysis_outcomes_and_actions() {
    let plan = CanaryPlan {
        steps: vec![10, 50, 100],
        min_labels: 6,
        tolerance: 0.05,
    };
    let y = [0, 0, 0, 1, 1, 1];
    let perfect = [0.1, 0.2, 0.3, 0.7, 0.8, 0.9];
    let reversed = [0.9, 0.8, 0.7, 0.3, 0.2, 0.1];
    let slightly_worse = [0.1, 0.2, 0.75, 0.7, 0.8, 0.9]; // AUC 8/9 ≈ 0.889
    let a = analyze_canary(&y, &perfect, &y, &reversed, &plan).expect("failed");
    assert_eq!(a.outcome, AnalysisOutcome::Failed);
    assert_eq!((a.auc_stable, a.auc_canary), (Some(1.0), Some(0.0)));
    let a = analyze_canary(&y, &perfect, &y, &slightly_worse, &plan).expect("worse");
    assert_eq!(
        a.outcome,
        AnalysisOutcome::Failed,
        "1.0 vs 0.889 > tolerance"
    );
    let lenient = CanaryPlan {
        tolerance: 0.2,
        ..plan.clone()
    };
    let a = analyze_canary(&y, &perfect, &y, &slightly_worse, &lenient).expect("lenient");
    assert_eq!(a.outcome, AnalysisOutcome::Successful);
    // Too few labels, or one class only: inconclusive.
    let a = analyze_canary(&y, &perfect, &y[..4], &perfect[..4], &plan).expect("few");
    assert_eq!(a.outcome, AnalysisOutcome::Inconclusive);
    let ones = [1; 6];
    let a = analyze_canary(&y, &perfect, &ones, &perfect, &plan).expect("one class");
    assert_eq!(
        (a.outcome, a.auc_canary),
        (AnalysisOutcome::Inconclusive, None)
    );
    assert!(analyze_canary(&y, &perfect, &y, &perfect[..5], &plan)
        .unwrap_err()
        .to_string()
        .contains("canary"));

    // Actions: inconclusive pauses, success advances and finally promotes, failure aborts.
    let mut s = Service::new(deployed(1, 1), 7);
    s.start_canary(deployed(2, 2), plan.clone()).expect("start");
    let pause = analyze_canary(&y, &perfect, &y[..4], &perfect[..4], &plan).expect("p");
    assert_eq!(
        s.apply_analysis(&pause, true).expect("pause"),
        CanaryAction::Paused { weight: 10 }
    );
    let good = analyze_canary(&y, &perfect, &y, &perfect, &plan).expect("good");
    assert_eq!(
        s.apply_analysis(&good, true).expect("50"),
        CanaryAction::Advanced { weight: 50 }
    );
    assert_eq!(
        s.apply_analysis(&good, true).expect("100"),
        CanaryAction::Promoted
    );
    assert_eq!(s.stable().version, 2);
    assert!(s.canary().is_none());
    // Instant rollback to 1, then nothing further back.
    assert_eq!(s.rollback().expect("rollback"), 1);
    assert!(s.rollback().unwrap_err().to_string().contains("rollback"));

    let bad = analyze_canary(&y, &perfect, &y, &reversed, &plan).expect("bad");
    s.start_canary(deployed(3, 3), plan.clone())
        .expect("start 3");
    assert_eq!(
        s.apply_analysis(&bad, true).expect("abort"),
        CanaryAction::Aborted
    );
    assert!(s.canary().is_none());
    assert_eq!(s.route(1), ServedBy::Stable);
    // Without rollback the failure is recorded and ignored.
    s.start_canary(deployed(3, 3), plan.clone())
        .expect("start again");
    assert_eq!(
        s.apply_analysis(&bad, false).expect("ignored"),
        CanaryAction::IgnoredFailure { weight: 50 }
    );
    assert!(s
        .start_canary(deployed(4, 4), plan)
        .unwrap_err()
        .to_string()
        .contains("canary"));
    let e = CanaryPlan {
        steps: vec![50, 10, 100],
        ..CanaryPlan::default()
    }
    .check()
    .unwrap_err()
    .to_string();
    assert!(e.contains("steps"), "{e}");
}
