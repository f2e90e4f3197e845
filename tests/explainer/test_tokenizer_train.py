import pytest

from inference.errors import TokenizerError
from inference.tokenizer import Tokenizer
from inference.training.data import read_jsonl
from inference.training.tokenizer_train import SPECIAL_TOKENS, main, train_tokenizer


@pytest.fixture(scope="module")
def tokenizer(small_corpus):
    texts = [t for r in read_jsonl(small_corpus / "train.jsonl") for t in (r["prompt"], r["response"])]
    return train_tokenizer(texts, 400)


def test_special_tokens_and_chat_markers_come_first(tokenizer):
    assert SPECIAL_TOKENS == ("<|endoftext|>", "<|assistant|>", "<|end|>", "<|user|>", "<|system|>", "<|tag|>")
    assert [tokenizer.token_id(t) for t in SPECIAL_TOKENS] == list(range(6))
    assert set(tokenizer.stop_ids) == {tokenizer.token_id("<|end|>"), tokenizer.token_id("<|endoftext|>")}
    ids = tokenizer.chat_prompt_ids("What is 1/2 + 1/3?")
    assert ids[0] == tokenizer.token_id("<|user|>") and ids[-2:] == [2, 1]


def test_learned_merges_and_size(tokenizer):
    assert 262 < tokenizer.vocab_size <= 400
    assert len(tokenizer.encode("the denominator")) < len("the denominator")  # merges were learned


def test_digits_are_single_tokens_and_text_round_trips(tokenizer):
    ids = tokenizer.encode("12345")
    assert len(ids) == 5
    for text in ["\\frac{13}{8} − ½ ∈ ℝ", "x = 1 \\text{ or } x = 8", "émigré 🙂"]:
        assert tokenizer.decode(tokenizer.encode(text)) == text  # byte fallback: nothing is unknown


def test_special_token_text_typed_by_a_user_stays_text(tokenizer):
    ids = tokenizer.encode("<|end|>")
    assert tokenizer.token_id("<|end|>") not in ids and tokenizer.decode(ids) == "<|end|>"


def test_cli_writes_a_loadable_tokenizer(small_corpus, tmp_path):
    out = tmp_path / "tok" / "tokenizer.json"
    assert main(["--data", str(small_corpus / "train.jsonl"), "--out", str(out), "--vocab-size", "300"]) == 0
    assert Tokenizer.from_file(out).vocab_size <= 300


def test_too_small_vocabulary_is_refused():
    with pytest.raises(TokenizerError, match="vocab_size"):
        train_tokenizer(["a b"], 100)
