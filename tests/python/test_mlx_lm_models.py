"""mlx-lm's model files on Ember: tiny random models of each architecture.

Each model runs a prompt through the full forward pass; the same prompt is
then run as a prefix plus single-token decode steps with mlx-lm's own
caches, and the logits must agree. The float32 forward is also checked
against the same weights in float64. A few models are also run quantized,
sharded over the (single process) world group, and through mlx-lm's
generation loops.
"""

import importlib

import pytest

pytest.importorskip("mlx_lm")

import mlx.core as mx  # noqa: E402
import mlx.nn as nn  # noqa: E402
from mlx.utils import tree_flatten, tree_map  # noqa: E402
from mlx_lm.generate import BatchGenerator, generate_step  # noqa: E402
from mlx_lm.models.cache import make_prompt_cache  # noqa: E402

VOCAB = 64
PROMPT = [3, 17, 42, 8, 60, 25, 11, 5]
PREFIX = 4

# Dense llama-like settings shared by most configs.
_BASE = {
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "intermediate_size": 64,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "rms_norm_eps": 1e-5,
    "vocab_size": VOCAB,
}

_DEEPSEEK = {
    **_BASE,
    "moe_intermediate_size": 16,
    "n_shared_experts": 1,
    "n_routed_experts": 4,
    "num_experts_per_tok": 2,
    "kv_lora_rank": 16,
    "q_lora_rank": 24,
    "qk_rope_head_dim": 8,
    "v_head_dim": 8,
    "qk_nope_head_dim": 8,
    "first_k_dense_replace": 1,
    "n_group": 2,
    "topk_group": 1,
    "num_key_value_heads": 4,
    "max_position_embeddings": 128,
    "rope_scaling": {
        "type": "yarn",
        "factor": 4.0,
        "original_max_position_embeddings": 32,
        "beta_fast": 32,
        "beta_slow": 1,
        "mscale": 1.0,
        "mscale_all_dim": 1.0,
    },
}

CONFIGS = {
    "llama": {**_BASE, "model_type": "llama", "tie_word_embeddings": False},
    "mistral3": {
        "model_type": "mistral3",
        "text_config": {**_BASE, "model_type": "mistral", "head_dim": 8},
    },
    "mixtral": {
        **_BASE,
        "model_type": "mixtral",
        "num_local_experts": 4,
        "num_experts_per_tok": 2,
    },
    "qwen2": {**_BASE, "model_type": "qwen2"},
    "qwen3": {
        **_BASE,
        "model_type": "qwen3",
        "head_dim": 16,
        "max_position_embeddings": 128,
        "tie_word_embeddings": True,
        "rope_theta": 10000.0,
    },
    "qwen3_moe": {
        **_BASE,
        "model_type": "qwen3_moe",
        "num_experts": 4,
        "num_experts_per_tok": 2,
        "decoder_sparse_step": 1,
        "mlp_only_layers": [0],
        "moe_intermediate_size": 16,
        "head_dim": 8,
        "rope_theta": 10000.0,
        "tie_word_embeddings": False,
        "max_position_embeddings": 128,
        "norm_topk_prob": True,
    },
    "gemma": {**_BASE, "model_type": "gemma", "head_dim": 8},
    "gemma2": {
        **_BASE,
        "model_type": "gemma2",
        "head_dim": 8,
        "query_pre_attn_scalar": 8.0,
    },
    "gemma3_text": {
        **_BASE,
        "model_type": "gemma3_text",
        "head_dim": 8,
        "query_pre_attn_scalar": 8.0,
        "sliding_window": 3,
        "sliding_window_pattern": 2,
    },
    "phi3": {**_BASE, "model_type": "phi3", "num_key_value_heads": 4},
    "deepseek_v2": {
        **_DEEPSEEK,
        "model_type": "deepseek_v2",
        "topk_method": "group_limited_greedy",
        "routed_scaling_factor": 1.5,
    },
    "deepseek_v3": {
        **_DEEPSEEK,
        "model_type": "deepseek_v3",
        "routed_scaling_factor": 2.5,
    },
    "gpt_oss": {
        **_BASE,
        "model_type": "gpt_oss",
        "num_local_experts": 4,
        "num_experts_per_tok": 2,
        "head_dim": 8,
        "sliding_window": 3,
        "layer_types": ["sliding_attention", "full_attention"],
    },
    "gpt2": {
        "model_type": "gpt2",
        "n_ctx": 64,
        "n_embd": 32,
        "n_head": 4,
        "n_layer": 2,
        "n_positions": 64,
        "layer_norm_epsilon": 1e-5,
        "vocab_size": VOCAB,
    },
    "olmo2": {**_BASE, "model_type": "olmo2", "tie_word_embeddings": False},
    "cohere": {
        **_BASE,
        "model_type": "cohere",
        "layer_norm_eps": 1e-5,
        "logit_scale": 0.5,
        "use_qk_norm": True,
    },
    "starcoder2": {**_BASE, "model_type": "starcoder2"},
    "mamba": {
        "model_type": "mamba",
        "vocab_size": VOCAB,
        "hidden_size": 32,
        "intermediate_size": 64,
        "state_size": 8,
        "num_hidden_layers": 2,
        "conv_kernel": 4,
        "use_bias": True,
        "use_conv_bias": True,
        "time_step_rank": 4,
    },
    "granite": {
        **_BASE,
        "model_type": "granite",
        "logits_scaling": 2.0,
        "attention_multiplier": 0.3,
        "embedding_multiplier": 3.0,
        "residual_multiplier": 0.5,
        "max_position_embeddings": 128,
        "attention_bias": True,
        "mlp_bias": True,
        "rope_theta": 10000.0,
    },
    "minicpm": {
        **_BASE,
        "model_type": "minicpm",
        "dim_model_base": 16,
        "scale_depth": 1.4,
        "scale_emb": 2.0,
    },
}

# More architectures: other rope scalings, state-space and linear-attention
# layers, other MoE routers.
CONFIGS.update(
    {
        "llama_llama3_rope": {
            **_BASE,
            "model_type": "llama",
            "max_position_embeddings": 128,
            "rope_scaling": {
                "rope_type": "llama3",
                "factor": 8.0,
                "low_freq_factor": 1.0,
                "high_freq_factor": 4.0,
                "original_max_position_embeddings": 4,
            },
        },
        "phi3_longrope": {
            **_BASE,
            "model_type": "phi3",
            "num_key_value_heads": 4,
            "max_position_embeddings": 16,
            "original_max_position_embeddings": 4,
            "rope_scaling": {
                "type": "longrope",
                "long_factor": [1.0, 1.5, 2.0, 3.0],
                "short_factor": [1.0, 1.1, 1.2, 1.3],
            },
        },
        "qwen3_next": {
            **_BASE,
            "model_type": "qwen3_next",
            "linear_num_value_heads": 4,
            "linear_num_key_heads": 2,
            "linear_key_head_dim": 8,
            "linear_value_head_dim": 8,
            "linear_conv_kernel_dim": 4,
            "num_experts": 4,
            "num_experts_per_tok": 2,
            "decoder_sparse_step": 1,
            "shared_expert_intermediate_size": 16,
            "mlp_only_layers": [],
            "moe_intermediate_size": 16,
            "rope_theta": 10000.0,
            "partial_rotary_factor": 0.5,
            "max_position_embeddings": 128,
            "head_dim": 8,
            "full_attention_interval": 2,
        },
        "mamba2": {
            "model_type": "mamba2",
            "num_heads": 4,
            "head_dim": 16,
            "vocab_size": VOCAB,
            "hidden_size": 32,
            "intermediate_size": 64,
            "state_size": 8,
            "num_hidden_layers": 2,
            "layer_norm_epsilon": 1e-5,
            "conv_kernel": 4,
            "n_groups": 2,
            "use_bias": True,
            "use_conv_bias": True,
            "tie_word_embeddings": True,
            "time_step_limit": [0.0, 100.0],
            "time_step_rank": 4,
        },
        "recurrent_gemma": {
            "model_type": "recurrent_gemma",
            "attention_bias": False,
            "conv1d_width": 4,
            "hidden_size": 32,
            "intermediate_size": 64,
            "logits_soft_cap": 30.0,
            "num_attention_heads": 4,
            "num_hidden_layers": 2,
            "num_key_value_heads": 1,
            "rms_norm_eps": 1e-6,
            "rope_theta": 10000.0,
            "attention_window_size": 3,
            "vocab_size": VOCAB,
            "block_types": ["recurrent", "attention"],
        },
        "rwkv7": {
            "model_type": "rwkv7",
            "vocab_size": VOCAB,
            "hidden_size": 32,
            "intermediate_size": 64,
            "norm_eps": 1e-5,
            "head_dim": 8,
            "num_hidden_layers": 2,
            "a_low_rank_dim": 8,
            "v_low_rank_dim": 8,
            "gate_low_rank_dim": 8,
            "decay_low_rank_dim": 8,
        },
        "lfm2": {
            "model_type": "lfm2",
            "vocab_size": VOCAB,
            "hidden_size": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "max_position_embeddings": 128,
            "norm_eps": 1e-5,
            "conv_bias": True,
            "conv_L_cache": 3,
            "block_dim": 32,
            "block_multiple_of": 16,
            "block_ffn_dim_multiplier": 1.0,
            "block_auto_adjust_ff_dim": False,
            "block_ff_dim": 64,
            "layer_types": ["conv", "full_attention"],
        },
        "qwen2_moe": {
            **_BASE,
            "model_type": "qwen2_moe",
            "num_experts": 4,
            "num_experts_per_tok": 2,
            "moe_intermediate_size": 16,
            "shared_expert_intermediate_size": 32,
        },
        "olmoe": {
            **_BASE,
            "model_type": "olmoe",
            "num_experts": 4,
            "num_experts_per_tok": 2,
        },
        "phimoe": {
            **_BASE,
            "model_type": "phimoe",
            "num_local_experts": 4,
            "num_experts_per_tok": 2,
        },
        "cohere2": {
            **_BASE,
            "model_type": "cohere2",
            "head_dim": 8,
            "layer_norm_eps": 1e-5,
            "sliding_window": 3,
            "sliding_window_pattern": 2,
        },
        "gpt_neox": {
            "model_type": "gpt_neox",
            "max_position_embeddings": 128,
            "hidden_size": 32,
            "num_attention_heads": 4,
            "num_hidden_layers": 2,
            "layer_norm_eps": 1e-5,
            "vocab_size": VOCAB,
            "rotary_emb_base": 10000,
            "rotary_pct": 0.5,
        },
        "internlm2": {**_BASE, "model_type": "internlm2"},
        "stablelm": {
            **_BASE,
            "model_type": "stablelm",
            "rope_theta": 10000.0,
            "use_qkv_bias": True,
            "partial_rotary_factor": 0.5,
            "layer_norm_eps": 1e-5,
            "qk_layernorm": True,
        },
        "ministral3": {
            **_BASE,
            "model_type": "ministral3",
            "head_dim": 8,
            "max_position_embeddings": 128,
            "layer_types": ["sliding_attention", "full_attention"],
            "sliding_window": 3,
            "rope_parameters": {
                "rope_theta": 10000.0,
                "rope_type": "default",
                "llama_4_scaling_beta": 0.1,
                "original_max_position_embeddings": 4,
            },
        },
        "llama4_text": {
            **_BASE,
            "model_type": "llama4_text",
            "intermediate_size_mlp": 64,
            "rope_theta": 10000.0,
            "head_dim": 8,
            "tie_word_embeddings": False,
            "no_rope_layers": [1, 0],
            "use_qk_norm": True,
        },
    }
)

_REMAP = {"mistral": "llama"}


def _build(config):
    """The model of config with random weights (seeded), in float32."""
    name = _REMAP.get(config["model_type"], config["model_type"])
    arch = importlib.import_module(f"mlx_lm.models.{name}")
    mx.random.seed(0)
    model = arch.Model(arch.ModelArgs.from_dict(dict(config)))
    # Perturb every parameter so zero/one initialised ones (biases, norm
    # weights) take part in the comparison too.
    count = len(tree_flatten(model.parameters()))
    keys = iter(mx.random.split(mx.random.key(1), count))

    def perturb(p):
        noise = 0.2 * mx.random.normal(p.shape, key=next(keys))
        return (p + noise).astype(mx.float32)

    model.update(tree_map(perturb, model.parameters()))
    model.eval()
    mx.eval(model.parameters())
    return model


def _close(actual, expected, rtol):
    """Max abs difference within rtol of the logits' scale."""
    actual = actual.astype(mx.float64)
    expected = expected.astype(mx.float64)
    scale = max(1.0, mx.abs(expected).max().item())
    err = mx.abs(actual - expected).max().item()
    assert err <= rtol * scale, f"max error {err:.3g} at logit scale {scale:.3g}"


@pytest.fixture(scope="module", autouse=True)
def _cpu_float64():
    # float64 runs only on the CPU (as in MLX).
    with mx.stream(mx.cpu):
        yield


def _decode(model, tokens):
    """Logits of tokens: the prefix in one call, then one token a call."""
    cache = make_prompt_cache(model)
    steps = [model(tokens[:, :PREFIX], cache=cache)]
    for i in range(PREFIX, tokens.shape[1]):
        steps.append(model(tokens[:, i : i + 1], cache=cache))
    return mx.concatenate(steps, axis=1)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_cached_decode_matches_full_forward(name):
    model = _build(CONFIGS[name])
    tokens = mx.array(PROMPT)[None]
    full = model(tokens)
    assert full.shape == (1, len(PROMPT), VOCAB)
    assert full.dtype == mx.float32
    _close(_decode(model, tokens), full, 1e-4)


# Ember's gather_mm takes float64 (MLX 0.32's CPU one raises "[GatherMM::eval]
# Currently only supports float32"), so the MoE models are checked too.
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_float32_matches_float64(name):
    model = _build(CONFIGS[name])
    tokens = mx.array(PROMPT)[None]
    full32 = model(tokens)
    model.set_dtype(mx.float64)
    full64 = model(tokens)
    assert full64.dtype == mx.float64
    _close(full32, full64, 1e-4)


def _quantizable(path, module):
    return hasattr(module, "to_quantized") and module.weight.shape[-1] % 32 == 0


@pytest.mark.parametrize("mode, bits", [("affine", 4), ("affine", 8), ("mxfp4", 4)])
@pytest.mark.parametrize(
    "name", ["llama", "mixtral", "deepseek_v3", "gpt_oss", "qwen3_next"]
)
def test_quantized_cached_decode_matches_full_forward(name, mode, bits):
    model = _build(CONFIGS[name])
    nn.quantize(model, 32, bits, mode=mode, class_predicate=_quantizable)
    tokens = mx.array(PROMPT)[None]
    _close(_decode(model, tokens), model(tokens), 1e-4)


@pytest.mark.parametrize("quantized", [False, True])
@pytest.mark.parametrize("name", ["qwen2", "qwen3_moe", "deepseek_v3", "gpt_oss"])
def test_shard_over_the_world_group_keeps_the_logits(name, quantized):
    model = _build(CONFIGS[name])
    if quantized:
        nn.quantize(model, 32, 4, class_predicate=_quantizable)
    tokens = mx.array(PROMPT)[None]
    expected = model(tokens)
    model.shard(mx.distributed.init())
    _close(model(tokens), expected, 1e-6)


@pytest.mark.parametrize("name", ["llama", "gemma3_text", "gpt_oss", "mamba"])
def test_generate_step_is_greedy_decoding(name):
    model = _build(CONFIGS[name])
    steps = generate_step(mx.array(PROMPT), model, max_tokens=4, prefill_step_size=3)
    tokens = [token for token, _ in steps]
    sequence = list(PROMPT)
    for _ in range(4):
        sequence.append(mx.argmax(model(mx.array(sequence)[None])[0, -1]).item())
    assert tokens == sequence[len(PROMPT) :]


@pytest.mark.parametrize("name", ["qwen3_moe", "gemma3_text", "deepseek_v3"])
def test_batch_generator_matches_generate_step(name):
    model = _build(CONFIGS[name])
    prompts = [PROMPT[:6], PROMPT[2:5], PROMPT]
    expected = [
        [t for t, _ in generate_step(mx.array(p), model, max_tokens=4)] for p in prompts
    ]
    generator = BatchGenerator(model, max_tokens=4, prefill_step_size=4)
    uids = generator.insert(prompts)
    got = {uid: [] for uid in uids}
    while responses := generator.next_generated():
        for r in responses:
            got[r.uid].append(r.token)
    generator.close()
    assert [got[uid] for uid in uids] == expected


# olmo imports the `ai2-olmo` package (and exits the interpreter when it is
# missing); it is the one model file that needs something beyond MLX.
NEEDS_OTHER_PACKAGES = {"olmo"}


def test_every_model_file_imports():
    import importlib
    import pkgutil

    import mlx_lm.models

    names = sorted(m.name for m in pkgutil.iter_modules(mlx_lm.models.__path__))
    assert len(names) > 100
    failed = {}
    for name in names:
        if name in NEEDS_OTHER_PACKAGES:
            continue
        try:
            importlib.import_module(f"mlx_lm.models.{name}")
        except BaseException as e:  # noqa: BLE001 - report every kind
            failed[name] = f"{type(e).__name__}: {e}"
    assert not failed, failed
