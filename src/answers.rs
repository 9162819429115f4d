//! What counts as a reader's written answer: the word count, the least words each written part of
//! the exercises asks for, and exercise 1's map of the reader's own loop, checked. The page keeps
//! the answers and words the problems found here; it does not judge them.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The words of `text`: its runs of characters that are not whitespace (Unicode's White_Space).
pub fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

/// A written part of an exercise, each with the least words that count as an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Writing {
    /// Exercise 1: what stands for a stage of the reader's loop today (a tool, a job, a person).
    MapNow,
    /// Exercise 1: the plan that would automate a manual or missing stage.
    MapPlan,
    /// Exercise 4: the reader's own reading of the analogy, before ours is shown.
    Reflection,
    /// Exercise 5's challenge: one failure told in the reader's own words.
    FailureStory,
}

impl Writing {
    /// Every written part, in the exercises' order.
    pub const ALL: [Writing; 4] = [
        Writing::MapNow,
        Writing::MapPlan,
        Writing::Reflection,
        Writing::FailureStory,
    ];

    /// The least words that count as an answer: a name and what it is (2) for what stands for a
    /// stage; a plan of a few words (4); a few sentences for a reflection (10) or a failure
    /// told with what went wrong, when and what would have caught it (12).
    pub fn min_words(self) -> usize {
        match self {
            Writing::MapNow => 2,
            Writing::MapPlan => 4,
            Writing::Reflection => 10,
            Writing::FailureStory => 12,
        }
    }

    /// `text` graded as this part.
    pub fn grade(self, text: &str) -> WritingGrade {
        let n = words(text);
        WritingGrade {
            writing: self,
            words: n,
            min_words: self.min_words(),
            enough: n >= self.min_words(),
        }
    }
}

/// A written answer, graded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WritingGrade {
    /// The part it answers.
    pub writing: Writing,
    /// Its words ([`words`]).
    pub words: usize,
    /// The least words that count ([`Writing::min_words`]).
    pub min_words: usize,
    /// `words >= min_words`.
    pub enough: bool,
}

/// The five stages of the loop, as exercise 1 maps them (in the loop's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The training pipeline.
    Pipeline,
    /// The model registry.
    Registry,
    /// Deployment (the promotion gate, canary, rollback).
    Deployment,
    /// The monitoring signal.
    Monitoring,
    /// The retraining trigger.
    Trigger,
}

impl Stage {
    /// The stages in the loop's order.
    pub const ALL: [Stage; 5] = [
        Stage::Pipeline,
        Stage::Registry,
        Stage::Deployment,
        Stage::Monitoring,
        Stage::Trigger,
    ];
}

/// How a stage exists in the reader's loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Runs by itself.
    Automated,
    /// A person does it.
    Manual,
    /// Nobody does it.
    Missing,
}

/// The reader's answer for one stage (as the page stores it; every field optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageAnswer {
    /// Its status, once chosen.
    #[serde(default)]
    pub status: Option<Status>,
    /// What stands for it today.
    #[serde(default)]
    pub now: Option<String>,
    /// What would automate it or close the gap.
    #[serde(default)]
    pub next: Option<String>,
}

/// What keeps exercise 1's map from counting, one per stage to finish or per break in the loop:
/// serialized as `{"problem": "<name>", ...fields}`, which the page words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum MapProblem {
    /// No status chosen.
    NoStatus {
        /// The stage.
        stage: Stage,
    },
    /// Automated or manual, but what stands for it has fewer than `min_words` words.
    NothingStandsForIt {
        /// The stage.
        stage: Stage,
        /// [`Writing::MapNow`]'s least words.
        min_words: usize,
    },
    /// Manual or missing, with a plan of fewer than `min_words` words.
    NoPlan {
        /// The stage.
        stage: Stage,
        /// [`Writing::MapPlan`]'s least words.
        min_words: usize,
    },
    /// The plan is what is used now, word for word (ends trimmed).
    PlanRepeatsNow {
        /// The stage.
        stage: Stage,
    },
    /// The trigger is automated, but the monitoring signal that would fire it is missing.
    TriggerWithoutMonitoring,
    /// Deployment is automated, but with no registry there is no version to roll back to.
    DeploymentWithoutRegistry,
}

/// Exercise 1's challenge: every stage has a status; a stage that exists (automated or manual)
/// says what stands for it ([`Writing::MapNow`]); a manual or missing stage has a plan
/// ([`Writing::MapPlan`]) that is not the same text as what is used now; and the map holds
/// together as a loop: no automated trigger with the monitoring signal missing, no automated
/// deployment with the registry missing. Returns the problems in the loop's order (none: met).
pub fn check_map(answers: &BTreeMap<Stage, StageAnswer>) -> Vec<MapProblem> {
    let none = StageAnswer::default();
    let a = |s: Stage| answers.get(&s).unwrap_or(&none);
    let text = |t: &Option<String>| t.as_deref().unwrap_or("").trim().to_string();
    let mut problems = Vec::new();
    for stage in Stage::ALL {
        let x = a(stage);
        let Some(status) = x.status else {
            problems.push(MapProblem::NoStatus { stage });
            continue;
        };
        if status != Status::Missing && !Writing::MapNow.grade(&text(&x.now)).enough {
            problems.push(MapProblem::NothingStandsForIt {
                stage,
                min_words: Writing::MapNow.min_words(),
            });
        }
        if status != Status::Automated {
            if !Writing::MapPlan.grade(&text(&x.next)).enough {
                problems.push(MapProblem::NoPlan {
                    stage,
                    min_words: Writing::MapPlan.min_words(),
                });
            } else if text(&x.next) == text(&x.now) {
                problems.push(MapProblem::PlanRepeatsNow { stage });
            }
        }
    }
    if a(Stage::Trigger).status == Some(Status::Automated)
        && a(Stage::Monitoring).status == Some(Status::Missing)
    {
        problems.push(MapProblem::TriggerWithoutMonitoring);
    }
    if a(Stage::Deployment).status == Some(Status::Automated)
        && a(Stage::Registry).status == Some(Status::Missing)
    {
        problems.push(MapProblem::DeploymentWithoutRegistry);
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: Option<Status>, now: &str, next: &str) -> StageAnswer {
        StageAnswer {
            status,
            now: Some(now.into()),
            next: Some(next.into()),
        }
    }

    #[test]
    fn words_are_runs_of_non_whitespace() {
        assert_eq!(words(""), 0);
        assert_eq!(words("   \n\t "), 0);
        assert_eq!(words("a cron job"), 3);
        assert_eq!(words("  KS\u{a0}test,\tweekly\n\njob  "), 4);
        assert_eq!(words("no-space-here"), 1);
    }

    #[test]
    fn each_writing_counts_from_its_least_words() {
        for w in Writing::ALL {
            let n = w.min_words();
            let short = vec!["word"; n - 1].join(" ");
            let enough = vec!["word"; n].join("  ");
            assert!(!w.grade(&short).enough, "{w:?}");
            let g = w.grade(&enough);
            assert!(g.enough && g.words == n && g.min_words == n, "{w:?}");
        }
        assert_eq!(Writing::FailureStory.min_words(), 12);
        assert_eq!(
            serde_json::to_string(&Writing::FailureStory.grade("one two")).expect("json"),
            r#"{"writing":"failure_story","words":2,"min_words":12,"enough":false}"#
        );
    }

    #[test]
    fn an_empty_map_has_a_problem_per_stage() {
        let p = check_map(&BTreeMap::new());
        assert_eq!(p.len(), 5);
        assert_eq!(
            p[0],
            MapProblem::NoStatus {
                stage: Stage::Pipeline
            }
        );
        assert_eq!(
            serde_json::to_string(&p[4]).expect("json"),
            r#"{"problem":"no_status","stage":"trigger"}"#
        );
    }

    #[test]
    fn a_map_that_holds_together_passes_and_each_break_is_named() {
        use Status::*;
        let mut m: BTreeMap<Stage, StageAnswer> = Stage::ALL
            .iter()
            .map(|&s| (s, answer(Some(Automated), "our job in CI", "")))
            .collect();
        assert_eq!(check_map(&m), vec![]);
        // automated, one word for what stands for it
        m.insert(Stage::Pipeline, answer(Some(Automated), "  CI ", ""));
        assert_eq!(
            check_map(&m),
            vec![MapProblem::NothingStandsForIt {
                stage: Stage::Pipeline,
                min_words: 2
            }]
        );
        m.insert(Stage::Pipeline, answer(Some(Automated), "a CI job", ""));
        // manual: a plan of three words is not enough, four are; repeating "now" is not a plan
        m.insert(
            Stage::Trigger,
            answer(Some(Manual), "a weekly look", "retrain on drift"),
        );
        assert_eq!(
            check_map(&m),
            vec![MapProblem::NoPlan {
                stage: Stage::Trigger,
                min_words: 4
            }]
        );
        let same = "a weekly look at dashboards";
        m.insert(
            Stage::Trigger,
            answer(Some(Manual), same, &format!(" {same}\n")),
        );
        assert_eq!(
            check_map(&m),
            vec![MapProblem::PlanRepeatsNow {
                stage: Stage::Trigger
            }]
        );
        // missing: nothing needs to stand for it, but a plan does; and the loop must hold
        m.insert(
            Stage::Trigger,
            answer(Some(Automated), "a cron job", "ignored"),
        );
        m.insert(
            Stage::Monitoring,
            answer(Some(Missing), "", "KS test on every input weekly"),
        );
        m.insert(
            Stage::Registry,
            answer(Some(Missing), "", "store every model with its data"),
        );
        assert_eq!(
            check_map(&m),
            vec![
                MapProblem::TriggerWithoutMonitoring,
                MapProblem::DeploymentWithoutRegistry
            ]
        );
    }

    #[test]
    fn stored_answers_read_leniently_but_not_wrongly() {
        let m: BTreeMap<Stage, StageAnswer> = serde_json::from_str(
            r#"{"trigger": {"status": "manual", "now": "a person"}, "pipeline": {}}"#,
        )
        .expect("answers");
        assert_eq!(m[&Stage::Trigger].next, None);
        assert!(serde_json::from_str::<BTreeMap<Stage, StageAnswer>>(
            r#"{"trigger": {"status": "sometimes"}}"#
        )
        .is_err());
    }
}
