"""One module per case, run in this order (bench/README.md describes each)."""
from . import check, context, iteration, matrix, plan, preflight, streaming

CASES = {
    "plan": plan.run,
    "iteration": iteration.run,
    "context": context.run,
    "streaming": streaming.run,
    "check": check.run,
    "matrix": matrix.run,
    "preflight": preflight.run,
}
