"""Rule-specific checks: predicates that each serve exactly one built-in rule, written in Python because the
question they answer (does this layer's units equal its timesteps, does the batch size given to fit differ from
the one the model fixes…) is not a composition of the generic predicates. Rule authors may use them too; each
still answers True, False or None (not known), and binds what its rule's message prints
(``placeholders.PREDICATE_BINDINGS``).

This is the one registry of them that the engine reads; the checks live by what they look at:

module               predicate                        rule
checks_args.py       unknown-arg                      LSTM502
                     cudnn-blockers                   LSTM401
checks_graph.py      output-unpacked                  LSTM106
                     input-tag                        LSTM104
                     extra-axis                       LSTM104
                     units-match-timesteps            LSTM301
                     two-d-source                     LSTM111
                     initial-state-mismatch           LSTM304
                     time-distributed-rank-short      LSTM113
                     return-state-ends-sequential     LSTM114
                     first-build-refused              LSTM107 (and LSTM111 inside two-d-source)
checks_fit.py        data-rank-mismatch               LSTM108
                     data-shape-mismatch              LSTM109
                     samples-not-divisible            LSTM110
                     batch-size-mismatch              LSTM203
                     validation-split-short-batch     LSTM206
                     fit-target-without-time-axis     LSTM102
                     target-has-time-axis             LSTM112
checks_imports.py    mixed-distribution               LSTM504
"""

from __future__ import annotations

from typing import Any, Callable

from lstmlint.engine import checks_args, checks_fit, checks_graph, checks_imports
from lstmlint.engine.logic import Tri
from lstmlint.engine.subject import Subject

RULE_CHECKS: dict[str, Callable[[Any, Subject], Tri]] = {
    "unknown-arg": checks_args.p_unknown_arg,
    "cudnn-blockers": checks_args.p_cudnn_blockers,
    "output-unpacked": checks_graph.p_output_unpacked,
    "input-tag": checks_graph.p_input_tag,
    "extra-axis": checks_graph.p_extra_axis,
    "units-match-timesteps": checks_graph.p_units_match_timesteps,
    "two-d-source": checks_graph.p_two_d_source,
    "initial-state-mismatch": checks_graph.p_initial_state_mismatch,
    "time-distributed-rank-short": checks_graph.p_time_distributed_rank_short,
    "return-state-ends-sequential": checks_graph.p_return_state_ends_sequential,
    "first-build-refused": checks_graph.p_first_build_refused,
    "data-rank-mismatch": checks_fit.p_data_rank_mismatch,
    "data-shape-mismatch": checks_fit.p_data_shape_mismatch,
    "samples-not-divisible": checks_fit.p_samples_not_divisible,
    "batch-size-mismatch": checks_fit.p_batch_size_mismatch,
    "validation-split-short-batch": checks_fit.p_validation_split_short_batch,
    "fit-target-without-time-axis": checks_fit.p_fit_target_without_time_axis,
    "target-has-time-axis": checks_fit.p_target_has_time_axis,
    "mixed-distribution": checks_imports.p_mixed_distribution,
}
