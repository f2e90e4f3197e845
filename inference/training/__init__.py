"""Training the small bundled SambaY tutor model (torch + `tokenizers` only; no curriculum, no web).

    python -m inference.training.tokenizer_train --data corpus.jsonl --out tokenizer.json --vocab-size 2048
    python -m inference.training.train --data corpus.jsonl --tokenizer tokenizer.json --out DIR
    python -m inference.training.train --data corpus.jsonl --out DIR --cpu-smoke      # a few CPU steps

The corpus is JSONL with at least ``prompt`` and ``response`` per line (``family`` is counted if present);
``tutor``'s ``build_explainer_corpus`` command writes it from the curriculum. The checkpoint is written by
`inference.save_pretrained` (HF layout) and loads with `inference.load_pretrained`, like the 3.8B model.
"""
