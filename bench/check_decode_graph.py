"""Does the engine's compiled decode step stay ONE Dynamo graph on CUDA? (a quick check before a long benchmark)

    TORCH_LOGS=graph_breaks,recompiles python bench/check_decode_graph.py

Builds a tiny random bf16 SambaY model on the GPU, runs an `Engine` with CUDA graphs and the compiled fused step
(pipelined and not), and prints Dynamo's counters: the number of graphs compiled and every graph break with its
reason. A healthy step compiles one graph at batch 1 (the fused step) and no graph breaks; a break inside the layer
loop makes Dynamo run the step's frame eagerly and compile its callees one by one (hundreds of extra kernels).
Exits 1 if a configuration shows a graph break.
"""

from __future__ import annotations

import json
import sys

import torch
import torch._dynamo
from torch._dynamo.utils import counters

from inference.engine import Engine, SamplingParams
from inference.testing import tiny_random_model


def run(pipeline: bool) -> dict:
    torch._dynamo.reset()
    counters.clear()
    model, _ = tiny_random_model(seed=5, dtype=torch.bfloat16)
    model = model.to("cuda")
    eng = Engine(model, max_batch=2, max_seq_len=256, pipeline=pipeline)
    h = eng.submit(list(range(1, 40)), SamplingParams(max_new_tokens=20))
    toks = list(h)
    return {"pipeline": pipeline, "tokens": len(toks), "unique_graphs": counters["stats"].get("unique_graphs", 0),
            "graph_breaks": {str(k)[:300]: v for k, v in counters["graph_break"].items()},
            "frames": {k: v for k, v in counters["frames"].items()}}


def main() -> int:
    out = [run(False), run(True)]
    print(json.dumps(out, indent=1))
    return 1 if any(r["graph_breaks"] for r in out) else 0


if __name__ == "__main__":
    sys.exit(main())
