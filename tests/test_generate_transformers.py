"""The transformers backend on a tiny randomly initialised LLaVA built here from a config (a
word-level tokenizer made from scratch, CLIP vision tower, Llama text model): no download."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

torch = pytest.importorskip("torch", reason="the transformers backend needs torch")
transformers = pytest.importorskip(
    "transformers", reason="the transformers backend needs transformers"
)
tokenizers = pytest.importorskip(
    "tokenizers", reason="building the test tokenizer needs tokenizers"
)
PIL = pytest.importorskip("PIL", reason="images need pillow")

from pet2rep_metrics.cli import generate_app  # noqa: E402

CHAT_TEMPLATE = (
    "{% for m in messages %}{{ m['role'] }}: {% for c in m['content'] %}"
    "{% if c['type'] == 'image' %}<image> {% else %}{{ c['text'] }} {% endif %}{% endfor %}{% endfor %}"
    "{% if add_generation_prompt %}assistant: {% endif %}"
)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from tokenizers import AddedToken, Tokenizer, models, pre_tokenizers
    from transformers import (
        CLIPImageProcessor,
        CLIPVisionConfig,
        LlamaConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
        PreTrainedTokenizerFast,
    )

    torch.manual_seed(0)
    words = ["<pad>", "<unk>", "<s>", "</s>", "<image>", "user:", "assistant:", "system:"] + [
        f"w{i}" for i in range(40)
    ]
    vocab = {w: i for i, w in enumerate(words)}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    core.add_special_tokens([AddedToken("<image>", special=True)])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
    )
    processor = LlavaProcessor(
        image_processor=CLIPImageProcessor(
            size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
        ),
        tokenizer=tokenizer,
        patch_size=16,
        vision_feature_select_strategy="default",
        image_token="<image>",
        num_additional_image_tokens=1,
        chat_template=CHAT_TEMPLATE,
    )
    config = LlavaConfig(
        vision_config=CLIPVisionConfig(
            hidden_size=16,
            intermediate_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            image_size=32,
            patch_size=16,
        ),
        text_config=LlamaConfig(
            vocab_size=len(vocab),
            hidden_size=16,
            intermediate_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=2,
            max_position_embeddings=512,
            bos_token_id=2,
            eos_token_id=3,
            pad_token_id=0,
        ),
        image_token_index=4,
        vision_feature_layer=-1,
        vision_feature_select_strategy="default",
    )
    folder = tmp_path_factory.mktemp("tiny-llava")
    LlavaForConditionalGeneration(config).save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


def test_transformers_backend_generates_greedily(tiny_model, tmp_path):
    from PIL import Image

    for k in range(2):
        Image.new("RGB", (40, 40), (200, 40 * k, 0)).save(tmp_path / f"s{k}.png")
    rows = [
        {
            "id": f"t{k}",
            "images": ["s0.png", "s1.png"],
            "prompt": "<image><image> w3 w4",
            "reference": "w1",
        }
        for k in range(2)
    ]
    manifest = tmp_path / "m.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "p.jsonl"
    args = [
        str(manifest),
        "-o",
        str(out),
        "--backend",
        "transformers",
        "--model",
        str(tiny_model),
        "--max-new-tokens",
        "4",
    ]
    result = CliRunner().invoke(generate_app, args)
    assert result.exit_code == 0, result.output
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [w["id"] for w in written] == ["t0", "t1"]
    assert written[0]["backend"] == "transformers" and written[0]["params"]["do_sample"] is False
    assert (
        written[0]["text"] and written[0]["text"] == written[1]["text"]
    )  # greedy: same input, same output
    assert all(token.startswith("w") for token in written[0]["text"].split())
