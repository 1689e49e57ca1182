//! Counting: the results of a closed vote from its ballots. Pure, so that anyone can recount
//! the published ballots with the same code (`territoires decide` uses the same algorithms).

use crate::ballot::{Ballot, Mark};
use crate::model::{Method, Rule, Votation};
use decide::pb::{self, Election, Project, Q, Satisfaction};
use serde::{Deserialize, Serialize};

/// Why a project of a budget was funded or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Funded in its turn by the greedy rule.
    Funded,
    /// Funded by the equal shares of its supporters.
    FundedByShares,
    /// Funded when the equal shares were completed greedily.
    FundedInCompletion,
    /// Nobody put it in their basket.
    NoApproval,
    /// Its cost was more than what remained when its turn came.
    DidNotFit,
    /// Its supporters' shares could not pay for it, and it did not fit what remained for the
    /// completion.
    SharesShort,
}

impl Outcome {
    /// Whether the project is funded.
    pub fn funded(self) -> bool {
        matches!(
            self,
            Outcome::Funded | Outcome::FundedByShares | Outcome::FundedInCompletion
        )
    }
    /// The text key of the explanation.
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Funded => "vote.outcome.funded",
            Outcome::FundedByShares => "vote.outcome.funded_by_shares",
            Outcome::FundedInCompletion => "vote.outcome.funded_in_completion",
            Outcome::NoApproval => "vote.outcome.no_approval",
            Outcome::DidNotFit => "vote.outcome.did_not_fit",
            Outcome::SharesShort => "vote.outcome.shares_short",
        }
    }
}

/// The result of one question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum QuestionResult {
    /// Single or multiple choice: votes per option.
    Counts {
        /// Votes per option.
        counts: Vec<u64>,
        /// Options, most votes first (ties in the listed order).
        order: Vec<usize>,
    },
    /// Majority judgment.
    Judgment {
        /// Judgments per option and grade, worst grade first.
        tallies: Vec<Vec<u64>>,
        /// Rank of each option (1 = best; tied options share a rank).
        ranks: Vec<usize>,
        /// Lower median grade of each option (0 = worst).
        medians: Vec<usize>,
        /// Options, best first.
        order: Vec<usize>,
    },
    /// A participatory budget.
    Budget {
        /// Baskets holding each project.
        approvals: Vec<u64>,
        /// What happened to each project.
        outcomes: Vec<Outcome>,
        /// The cost of the funded projects.
        spent: i64,
        /// Projects, funded first, then by approvals.
        order: Vec<usize>,
        /// How the equal shares were spent (the rule of equal shares), which explains each
        /// project's outcome in its own numbers.
        #[serde(with = "crate::store::exact_shares")]
        shares: Option<pb::Shares>,
    },
}

/// The results of a vote, as counted once and stored (see [`crate::store::count_in`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// Ballots counted.
    pub ballots: u64,
    /// One result per question.
    pub questions: Vec<QuestionResult>,
}

/// Counts the ballots of a vote.
pub fn count(v: &Votation, ballots: &[Ballot]) -> Results {
    let questions = v
        .questions
        .iter()
        .enumerate()
        .map(|(qi, q)| {
            let answers = ballots.iter().filter_map(|b| b.0.get(qi));
            match &q.method {
                Method::Judgment { grades } => {
                    let mut tallies = vec![vec![0u64; grades.len()]; q.options.len()];
                    for a in answers {
                        if let Mark::Grades(g) = a {
                            for (oi, grade) in g.iter().enumerate() {
                                tallies[oi][*grade] += 1;
                            }
                        }
                    }
                    judgment(tallies)
                }
                Method::Basket => {
                    let baskets: Vec<&[usize]> = answers
                        .filter_map(|a| match a {
                            Mark::Choices(c) => Some(c.as_slice()),
                            Mark::Grades(_) => None,
                        })
                        .collect();
                    budget(v, &q.options, &baskets)
                }
                Method::Single | Method::Approval { .. } => {
                    let mut counts = vec![0u64; q.options.len()];
                    for a in answers {
                        if let Mark::Choices(c) = a {
                            for oi in c {
                                counts[*oi] += 1;
                            }
                        }
                    }
                    let mut order: Vec<usize> = (0..counts.len()).collect();
                    order.sort_by(|a, b| counts[*b].cmp(&counts[*a]));
                    QuestionResult::Counts { counts, order }
                }
            }
        })
        .collect();
    Results {
        ballots: ballots.len() as u64,
        questions,
    }
}

fn judgment(tallies: Vec<Vec<u64>>) -> QuestionResult {
    // Every ballot grades every option: totals are equal and no fill is needed.
    let ranks = decide::mj::rank(&tallies, decide::mj::Fill::None)
        .unwrap_or_else(|_| vec![1; tallies.len()]);
    let medians = decide::mj::profiles(&tallies, decide::mj::Fill::None)
        .map(|ps| ps.iter().map(decide::mj::Profile::median).collect())
        .unwrap_or_else(|_| vec![0; tallies.len()]);
    let mut order: Vec<usize> = (0..tallies.len()).collect();
    order.sort_by_key(|o| ranks[*o]);
    QuestionResult::Judgment {
        tallies,
        ranks,
        medians,
        order,
    }
}

/// The id a project has in the counting: its place in the list, so that ties go to the project
/// listed first (the rules break ties by id).
fn project_id(index: usize) -> String {
    format!("{:04}", index + 1)
}

fn budget(
    v: &Votation,
    projects: &[crate::model::VoteOption],
    baskets: &[&[usize]],
) -> QuestionResult {
    let Some(settings) = v.budget else {
        return QuestionResult::Budget {
            approvals: vec![0; projects.len()],
            outcomes: vec![Outcome::NoApproval; projects.len()],
            spent: 0,
            order: (0..projects.len()).collect(),
            shares: None,
        };
    };
    let mut approvals = vec![0u64; projects.len()];
    for b in baskets {
        for p in *b {
            approvals[*p] += 1;
        }
    }
    let election = Election::new(
        projects
            .iter()
            .enumerate()
            .map(|(i, p)| Project {
                id: project_id(i),
                cost: Q::from_integer(p.cost.into()),
            })
            .collect(),
        Q::from_integer(settings.total.into()),
        &baskets
            .iter()
            .map(|b| b.iter().map(|p| project_id(*p)).collect())
            .collect::<Vec<Vec<String>>>(),
    );
    let mut shares = None;
    let outcomes: Vec<Outcome> = match election {
        Err(_) => vec![Outcome::NoApproval; projects.len()],
        Ok(e) => {
            let funded_by = |p: usize, first: &[usize], all: &[usize], rule: Rule| {
                if first.contains(&p) {
                    Outcome::FundedByShares
                } else if all.contains(&p) {
                    if rule == Rule::Greedy {
                        Outcome::Funded
                    } else {
                        Outcome::FundedInCompletion
                    }
                } else if approvals[p] == 0 {
                    Outcome::NoApproval
                } else if rule == Rule::Greedy {
                    Outcome::DidNotFit
                } else {
                    Outcome::SharesShort
                }
            };
            match settings.rule {
                Rule::Greedy => {
                    // Cost satisfaction: total satisfaction per euro is the number of baskets,
                    // so the greedy rule takes the most chosen projects first, as CONSUL does.
                    let all = pb::greedy(&e, Satisfaction::Cost, &[]);
                    (0..projects.len())
                        .map(|p| funded_by(p, &[], &all, Rule::Greedy))
                        .collect()
                }
                Rule::EqualShares => {
                    let sat = if settings.by_cost {
                        Satisfaction::Cost
                    } else {
                        Satisfaction::Cardinality
                    };
                    let step = Q::from_integer(e.voters().into());
                    let (first, voter_budget) = pb::mes_exhausted_with_budget(&e, sat, &step);
                    let all = pb::greedy(&e, sat, &first);
                    shares = Some(pb::shares(&e, &voter_budget, &first));
                    (0..projects.len())
                        .map(|p| funded_by(p, &first, &all, Rule::EqualShares))
                        .collect()
                }
            }
        }
    };
    let spent = projects
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| o.funded())
        .map(|(p, _)| p.cost)
        .sum();
    let mut order: Vec<usize> = (0..projects.len()).collect();
    order.sort_by(|a, b| {
        outcomes[*b]
            .funded()
            .cmp(&outcomes[*a].funded())
            .then(approvals[*b].cmp(&approvals[*a]))
    });
    QuestionResult::Budget {
        approvals,
        outcomes,
        spent,
        order,
        shares,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn option(id: &str, cost: i64) -> VoteOption {
        VoteOption {
            id: id.into(),
            title: id.into(),
            description: String::new(),
            cost,
            area: String::new(),
            image: None,
            position: None,
        }
    }

    fn budget_vote(rule: Rule, costs: &[i64], total: i64) -> Votation {
        Votation {
            id: "v".into(),
            process_id: "p".into(),
            kind: Kind::Budget,
            title: "B".into(),
            description: String::new(),
            opens_at: 0,
            closes_at: 1,
            closed_at: None,
            eligibility: Eligibility::Codes,
            min_age: None,
            salt: String::new(),
            sealed: false,
            publication: kernel::publication::Publication::Published(0),
            budget: Some(BudgetSettings {
                total,
                limit: BasketLimit::Fits,
                rule,
                by_cost: true,
            }),
            questions: vec![Question {
                id: "q".into(),
                title: "B".into(),
                method: Method::Basket,
                options: costs
                    .iter()
                    .enumerate()
                    .map(|(i, c)| option(&format!("p{i}"), *c))
                    .collect(),
            }],
        }
    }

    fn baskets(b: &[&[usize]]) -> Vec<Ballot> {
        b.iter()
            .map(|c| Ballot(vec![Mark::Choices(c.to_vec())]))
            .collect()
    }

    #[test]
    fn greedy_funds_the_most_chosen_projects_that_fit() {
        let v = budget_vote(Rule::Greedy, &[600, 500, 300], 1000);
        let r = count(&v, &baskets(&[&[0], &[0, 2], &[1], &[0, 1]]));
        let QuestionResult::Budget {
            approvals,
            outcomes,
            spent,
            ..
        } = &r.questions[0]
        else {
            panic!("a budget result")
        };
        assert_eq!(approvals, &vec![3, 2, 1]);
        assert_eq!(
            outcomes,
            &vec![Outcome::Funded, Outcome::DidNotFit, Outcome::Funded]
        );
        assert_eq!(*spent, 900);
    }

    #[test]
    fn equal_shares_fund_a_minority_its_share() {
        // 6 voters want project 0 (cost 600); 4 voters want only project 1 (cost 400).
        // Greedy would spend everything on the majority's two projects; equal shares give the
        // minority its project.
        let v = budget_vote(Rule::EqualShares, &[600, 400, 400], 1000);
        let mut b: Vec<&[usize]> = vec![&[0, 2]; 6];
        b.extend(vec![&[1][..]; 4]);
        let r = count(&v, &baskets(&b));
        let QuestionResult::Budget {
            outcomes, spent, ..
        } = &r.questions[0]
        else {
            panic!("a budget result")
        };
        assert_eq!(outcomes[0], Outcome::FundedByShares);
        assert_eq!(outcomes[1], Outcome::FundedByShares);
        assert_eq!(outcomes[2], Outcome::SharesShort);
        assert_eq!(*spent, 1000);
        let greedy = count(
            &budget_vote(Rule::Greedy, &[600, 400, 400], 1000),
            &baskets(&b),
        );
        let QuestionResult::Budget { outcomes, .. } = &greedy.questions[0] else {
            panic!("a budget result")
        };
        assert_eq!(outcomes[1], Outcome::DidNotFit);
    }

    #[test]
    fn majority_judgment_ranks_by_median_grade() {
        let v = Votation {
            questions: vec![Question {
                id: "q".into(),
                title: "J".into(),
                method: Method::Judgment {
                    grades: vec!["Bien".into(), "Passable".into(), "À rejeter".into()],
                },
                options: vec![option("a", 0), option("b", 0)],
            }],
            budget: None,
            kind: Kind::Votation,
            ..budget_vote(Rule::Greedy, &[], 1)
        };
        // a: Bien, Passable, À rejeter → median Passable; b: Bien, Bien, À rejeter → Bien.
        let ballots: Vec<Ballot> = [[2, 2], [1, 2], [0, 0]]
            .iter()
            .map(|g| Ballot(vec![Mark::Grades(g.to_vec())]))
            .collect();
        let r = count(&v, &ballots);
        assert_eq!(
            r.questions[0],
            QuestionResult::Judgment {
                tallies: vec![vec![1, 1, 1], vec![1, 0, 2]],
                ranks: vec![2, 1],
                medians: vec![1, 2],
                order: vec![1, 0],
            }
        );
    }
}
