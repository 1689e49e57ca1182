"""Differential test of `territoires decide pb` against pabutools on random instances.

python pb_differential.py PATH/TO/territoires N_INSTANCES SEED
Every rule and satisfaction of the command must give exactly pabutools' resolute outcome (ties
broken by project name, pabutools' default). Exits non-zero on the first difference, printing
the instance.
"""
import os
import random
import subprocess
import sys
import tempfile

from pabutools.election import Cardinality_Sat, Cost_Sat, parse_pabulib
from pabutools.rules import (
    completion_by_rule_combination,
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)

BIN, COUNT, SEED = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(SEED)


def instance_text():
    m = rng.randint(2, 9)
    # Numeric ids as in pabulib, so that "10" sorts before "2" in ties.
    ids = [str(i) for i in rng.sample(range(1, 13), m)]
    costs = {i: rng.choice([1, 2, 2, 3, 5, 5, 8, 10, 13]) * rng.choice([1, 1, 10]) for i in ids}
    budget = max(1, int(sum(costs.values()) * rng.uniform(0.2, 0.8)))
    voters = rng.randint(1, 25)
    lines = ["META", "key;value", f"num_projects;{m}", f"num_votes;{voters}", f"budget;{budget}", "vote_type;approval",
             "PROJECTS", "project_id;cost"]
    lines += [f"{i};{costs[i]}" for i in ids]
    lines += ["VOTES", "voter_id;vote"]
    for v in range(1, voters + 1):
        approved = [i for i in ids if rng.random() < 0.4] or [rng.choice(ids)]
        lines.append(f"{v};{','.join(approved)}")
    return "\n".join(lines) + "\n"


def reference(path, rule, sat):
    instance, profile = parse_pabulib(path)
    sat_class = Cost_Sat if sat == "cost" else Cardinality_Sat
    if rule == "greedy":
        out = greedy_utilitarian_welfare(instance, profile, sat_class=sat_class)
    elif rule == "mes":
        out = method_of_equal_shares(instance, profile, sat_class=sat_class)
    else:
        out = completion_by_rule_combination(
            instance, profile,
            [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
            [{"rule": method_of_equal_shares, "rule_params": {"sat_class": sat_class},
              "budget_step": profile.num_ballots()},
             {"sat_class": sat_class}],
        )
    return sorted(p.name for p in out)


def ours(path, rule, sat):
    res = subprocess.run([BIN, "decide", "pb", path, "--rule", rule, "--sat", sat],
                         capture_output=True, text=True, check=True)
    return sorted(res.stdout.split())


with tempfile.TemporaryDirectory() as tmp:
    checked = 0
    for k in range(COUNT):
        text = instance_text()
        path = os.path.join(tmp, f"i{k}.pb")
        with open(path, "w") as f:
            f.write(text)
        for rule in ("greedy", "mes", "mes-complete"):
            for sat in ("cost", "cardinality"):
                expected, got = reference(path, rule, sat), ours(path, rule, sat)
                if expected != got:
                    print(text)
                    print(f"{rule} {sat}: pabutools {expected}, territoires {got}")
                    sys.exit(1)
                checked += 1
    print(f"pabutools differential: {checked} outcomes on {COUNT} random instances, all identical")
