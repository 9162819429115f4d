//! Property test of the registry: any sequence of register / promote / transition / archive /
//! rollback / alias / import-of-export / hostile import / injected fault keeps at most one
//! Production version, a history that replays to the stored state, `production_at` consistent
//! with what was observed, the outcome of every operation predicted by an independent model,
//! and leaves the store byte-for-byte unchanged whenever an operation is rejected.
#![cfg(not(target_arch = "wasm32"))]

#[path = "common/store_contract.rs"]
mod store_contract;

use mlops_loop::registry::{
    block_on, history, Actor, Cause, MemStore, Registry, Stage, StoreError,
};
use mlops_loop::Error;
use proptest::prelude::*;
use std::collections::BTreeMap;
use store_contract::sample;

const LABELS: &[&str] = &["1.0.0", "1.1.0", "2.0.0", "2.1.0", "3.0.0", "1.0.0-rc"];
const ALIASES: &[&str] = &["champion", "challenger", "mine"];
const STAGES: &[Stage] = &[
    Stage::None,
    Stage::Staging,
    Stage::Production,
    Stage::Archived,
];

#[derive(Debug, Clone)]
enum Op {
    Register(usize),
    Promote(u32),
    Transition(u32, usize),
    Archive(u32),
    Rollback,
    SetAlias(usize, u32),
    RemoveAlias(usize),
    ImportOfExport,
    ImportGarbage(usize, usize),
    /// Arm a storage fault (0 quota, 1 aborted, 2..5 abort after n writes) and then promote.
    FaultyPromote(u8, u32),
    /// An operation with a time earlier than the last event.
    LateArchive(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..LABELS.len()).prop_map(Op::Register),
        4 => (0..7u32).prop_map(Op::Promote),
        2 => (0..7u32, 0..STAGES.len()).prop_map(|(v, s)| Op::Transition(v, s)),
        1 => (0..7u32).prop_map(Op::Archive),
        3 => Just(Op::Rollback),
        2 => (0..ALIASES.len(), 0..7u32).prop_map(|(a, v)| Op::SetAlias(a, v)),
        1 => (0..ALIASES.len()).prop_map(Op::RemoveAlias),
        1 => Just(Op::ImportOfExport),
        1 => (0..8usize, any::<usize>()).prop_map(|(k, n)| Op::ImportGarbage(k, n)),
        1 => (0..6u8, 0..7u32).prop_map(|(f, v)| Op::FaultyPromote(f, v)),
        1 => (0..7u32).prop_map(Op::LateArchive),
    ]
}

/// An independent model of the registry's semantics.
#[derive(Debug, Clone, Default, PartialEq)]
struct Model {
    labels: Vec<String>,
    stages: BTreeMap<u32, Stage>,
    aliases: BTreeMap<String, u32>,
    /// Versions that left Production by promotion or by hand, most recent last.
    trail: Vec<u32>,
}

impl Model {
    fn stage(&self, v: u32) -> Stage {
        self.stages.get(&v).copied().unwrap_or(Stage::None)
    }
    fn has(&self, v: u32) -> bool {
        v >= 1 && (v as usize) <= self.labels.len()
    }
    fn prod(&self) -> Option<u32> {
        self.stages
            .iter()
            .find(|(_, s)| **s == Stage::Production)
            .map(|(v, _)| *v)
    }
    fn set(&mut self, v: u32, s: Stage) {
        if s == Stage::None {
            self.stages.remove(&v);
        } else {
            self.stages.insert(v, s);
        }
    }
    fn leave_production(&mut self, v: u32) {
        self.trail.retain(|x| *x != v);
        self.trail.push(v);
    }
    /// Apply an op to the model; `false` if the registry must reject it.
    fn apply(&mut self, op: &Op) -> bool {
        match *op {
            Op::Register(i) => {
                let l = LABELS[i].to_string();
                if self.labels.contains(&l) {
                    return false;
                }
                self.labels.push(l);
                true
            }
            Op::Promote(v) => self.promote(v),
            Op::Transition(v, s) => {
                let to = STAGES[s];
                if to == Stage::Production {
                    return self.promote(v);
                }
                self.transition(v, to)
            }
            Op::Archive(v) => self.transition(v, Stage::Archived),
            Op::Rollback => {
                let Some(&to) = self.trail.last() else {
                    return false;
                };
                self.trail.pop();
                if let Some(p) = self.prod() {
                    self.set(p, Stage::Archived);
                }
                self.set(to, Stage::Production);
                true
            }
            Op::SetAlias(a, v) => {
                let name = ALIASES[a].to_string();
                if !self.has(v) || self.aliases.get(&name) == Some(&v) {
                    return false;
                }
                self.aliases.insert(name, v);
                true
            }
            Op::RemoveAlias(a) => self.aliases.remove(ALIASES[a]).is_some(),
            Op::ImportOfExport => true,
            Op::ImportGarbage(..) | Op::FaultyPromote(..) | Op::LateArchive(..) => false,
        }
    }
    fn promote(&mut self, v: u32) -> bool {
        if !self.has(v) || self.stage(v) == Stage::Production {
            return false;
        }
        if let Some(p) = self.prod() {
            self.set(p, Stage::Archived);
            self.leave_production(p);
        }
        self.trail.retain(|x| *x != v);
        self.set(v, Stage::Production);
        true
    }
    fn transition(&mut self, v: u32, to: Stage) -> bool {
        if !self.has(v) || self.stage(v) == to {
            return false;
        }
        if self.stage(v) == Stage::Production {
            self.leave_production(v);
        }
        self.set(v, to);
        true
    }
}

/// Hostile variants of a valid export; every one must be rejected.
fn garbage(export: &str, kind: usize, n: usize) -> String {
    let v: serde_json::Value = serde_json::from_str(export).unwrap_or_default();
    let mut x = v.clone();
    match kind {
        0 => return export[..n % export.len().max(1)].to_string(),
        1 => return format!("{}{}", export, "}"),
        2 => x["schema"] = 1.into(),
        3 => x["stages"]["999"] = "Production".into(),
        4 => x["aliases"]["ghost"] = 99.into(),
        5 => {
            // Duplicate the last event (its number then repeats).
            if let Some(h) = x["history"].as_array_mut() {
                if let Some(last) = h.last().cloned() {
                    h.push(last);
                } else {
                    return "[]".to_string();
                }
            }
        }
        6 => {
            if let Some(vs) = x["versions"].as_array_mut() {
                if let Some(first) = vs.first_mut() {
                    first["model_json"] = "{\"tampered\":true}".into();
                } else {
                    return "{\"format\":\"mlops-loop-registry\"}".to_string();
                }
            }
        }
        _ => {
            let bytes: Vec<u8> = (0..(n % 64)).map(|i| (i * 37 + n) as u8).collect();
            return String::from_utf8_lossy(&bytes).into_owned();
        }
    }
    x.to_string()
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let s = MemStore::new();
    let reg =
        block_on(Registry::open(s.clone())).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut model = Model::default();
    // (time of the op, production after it) for every op.
    let mut observed: Vec<(f64, Option<u32>)> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let t = 1000.0 * (i as f64 + 1.0);
        let c = Cause::new(Actor::User, format!("op {i}"), t);
        let before = s.snapshot();
        let mut expect = model.clone();
        let accept = expect.apply(op);
        let result: Result<(), Error> = match *op {
            Op::Register(l) => {
                block_on(reg.register(&sample(LABELS[l], l as u64, 0.7), &c)).map(|_| ())
            }
            Op::Promote(v) => block_on(reg.promote(v, &c)).map(|_| ()),
            Op::Transition(v, st) => block_on(reg.transition(v, STAGES[st], &c)).map(|_| ()),
            Op::Archive(v) => block_on(reg.archive(v, &c)).map(|_| ()),
            Op::Rollback => block_on(reg.rollback(&c)).map(|_| ()),
            Op::SetAlias(a, v) => block_on(reg.set_alias(ALIASES[a], v, &c)).map(|_| ()),
            Op::RemoveAlias(a) => block_on(reg.remove_alias(ALIASES[a], &c)).map(|_| ()),
            Op::ImportOfExport => {
                let export =
                    block_on(reg.export_json()).map_err(|e| TestCaseError::fail(e.to_string()))?;
                block_on(reg.erase_all()).map_err(|e| TestCaseError::fail(e.to_string()))?;
                block_on(reg.import_json(&export))
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let again =
                    block_on(reg.export_json()).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(&again, &export, "export → erase → import → export");
                Ok(())
            }
            Op::ImportGarbage(k, n) => {
                let export =
                    block_on(reg.export_json()).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let r = block_on(reg.import_json(&garbage(&export, k, n))).map(|_| ());
                if let Err(e) = &r {
                    prop_assert!(matches!(e, Error::Malformed { .. }), "garbage {}: {}", k, e);
                }
                r
            }
            Op::FaultyPromote(f, v) => {
                match f {
                    0 => s.fail_next_commit(StoreError::Quota("injected".into())),
                    1 => s.fail_next_commit(StoreError::Aborted("injected".into())),
                    n => s.abort_next_commit_after(usize::from(n - 2)),
                }
                let r = block_on(reg.promote(v, &c)).map(|_| ());
                s.clear_fault();
                r
            }
            Op::LateArchive(v) => {
                // Just before the last event (or at 0 with no event yet: then no version exists).
                let last = block_on(reg.state()).ok().and_then(|st| st.last_time);
                let late = Cause::new(Actor::User, "late", last.map_or(0.0, |l| l - 0.5));
                let r = block_on(reg.archive(v, &late)).map(|_| ());
                if last.is_some() {
                    prop_assert!(
                        matches!(&r, Err(Error::Invalid { field: "time", .. }))
                            || !model.has(v)
                            || model.stage(v) == Stage::Archived,
                        "late archive: {:?}",
                        r
                    );
                }
                r
            }
        };
        let accepted = result.is_ok();
        prop_assert_eq!(accepted, accept, "op {} {:?}: {:?}", i, op, result);
        if !accepted {
            prop_assert_eq!(
                s.snapshot(),
                before,
                "rejected op {} {:?} changed the store",
                i,
                op
            );
        }
        model = expect;
        // The registry agrees with the model.
        let st = block_on(reg.state()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&st.labels, &model.labels);
        prop_assert_eq!(&st.stages, &model.stages);
        prop_assert_eq!(&st.aliases, &model.aliases);
        prop_assert_eq!(&st.trail, &model.trail);
        // At most one Production version, always.
        prop_assert!(
            st.stages
                .values()
                .filter(|s| **s == Stage::Production)
                .count()
                <= 1
        );
        // The history replays to the stored state.
        let h = block_on(reg.history()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let replayed = history::replay(&h).map_err(TestCaseError::fail)?;
        prop_assert_eq!(&replayed, &st, "history replays to the state");
        observed.push((t, st.production()));
    }
    // production_at agrees with what was observed after each op, and before the first event.
    let h = block_on(reg.history()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    if let Some(first) = h.first() {
        prop_assert_eq!(
            block_on(reg.production_at(first.time - 1.0))
                .map_err(|e| TestCaseError::fail(e.to_string()))?,
            None
        );
    }
    for (t, p) in &observed {
        if h.first().is_some_and(|e| e.time <= *t) {
            let at = block_on(reg.production_at(*t + 1.0))
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(at, *p, "production_at({})", t);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_sequence_keeps_the_invariants(ops in prop::collection::vec(op(), 1..30)) {
        run(&ops)?;
    }
}

#[test]
fn a_long_fixed_sequence_exercises_every_op() {
    let ops = vec![
        Op::Register(0),
        Op::Promote(1),
        Op::Register(1),
        Op::Transition(2, 1),
        Op::FaultyPromote(3, 2),
        Op::Promote(2),
        Op::SetAlias(0, 2),
        Op::SetAlias(1, 1),
        Op::Rollback,
        Op::Rollback,
        Op::Register(2),
        Op::Promote(3),
        Op::Archive(3),
        Op::Rollback,
        Op::ImportOfExport,
        Op::ImportGarbage(3, 0),
        Op::ImportGarbage(0, 17),
        Op::LateArchive(1),
        Op::RemoveAlias(0),
        Op::Register(0),
    ];
    run(&ops).expect("fixed sequence");
}

fn bits_survive(auc: f64, ks_p: f64, margin: f64) -> Result<(), TestCaseError> {
    let fail = |e: Error| TestCaseError::fail(e.to_string());
    let reg = block_on(Registry::open(MemStore::new())).map_err(fail)?;
    let mut new = sample("1.0.0", 1, auc);
    new.metrics[0].value = auc;
    block_on(reg.register(&new, &Cause::new(Actor::User, "", 1.0))).map_err(fail)?;
    let evidence = mlops_loop::registry::Evidence {
        ks_p: Some(ks_p),
        auc_candidate: Some(auc),
        margin: Some(margin),
        ..Default::default()
    };
    let cause = Cause::new(Actor::PromotionGate, "", 2.0).with_evidence(evidence);
    block_on(reg.promote(1, &cause)).map_err(fail)?;
    // Through the store, then through export → import into a fresh registry.
    let other = block_on(Registry::open(MemStore::new())).map_err(fail)?;
    block_on(other.import_json(&block_on(reg.export_json()).map_err(fail)?)).map_err(fail)?;
    for r in [&reg, &other] {
        let m = block_on(r.get(1)).map_err(fail)?;
        prop_assert_eq!(m.metrics[0].value.to_bits(), auc.to_bits());
        let h = block_on(r.history()).map_err(fail)?;
        let ev = h[1].evidence.clone().unwrap_or_default();
        prop_assert_eq!(ev.ks_p.map(f64::to_bits), Some(ks_p.to_bits()));
        prop_assert_eq!(ev.auc_candidate.map(f64::to_bits), Some(auc.to_bits()));
        prop_assert_eq!(ev.margin.map(f64::to_bits), Some(margin.to_bits()));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// Metrics and evidence come back bit for bit (serde_json's `float_roundtrip` parsing).
    #[test]
    fn floats_round_trip_by_bits(
        auc in 0.0f64..=1.0,
        p_bits in 0u64..0x3ff0_0000_0000_0000,
        margin in prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO,
    ) {
        bits_survive(auc, f64::from_bits(p_bits), margin)?;
    }
}
