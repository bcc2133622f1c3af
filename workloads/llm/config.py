"""The architecture of a decoder-only LLM: what its weights and attention look like.

One frozen :class:`LlmConfig` describes every model the LLM workloads build:
GPT-2-style (LayerNorm, GELU MLP, biases) and Llama-style (RMSNorm, gated SiLU
MLP) decoders, grouped-query attention (``kv_heads`` < ``heads``), a sliding
attention window (on every layer or only some), mixture-of-experts MLPs
(``experts`` with ``top_k`` active, an always-active shared expert, some layers
dense), parallel attention/MLP blocks (GPT-NeoX, Phi), Gemma's extra norms and
per-head query/key norms (Qwen3, Gemma-3).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LlmConfig:
    """A decoder-only transformer's shapes, as a Hugging Face ``config.json`` gives them.

    ``ffn`` is the dense MLP's inner width (and each expert's unless ``expert_ffn`` is set);
    ``gated_mlp`` means gate and up projections with ``activation`` (``silu``:
    Llama/Mistral/Qwen/Phi-3, ``gelu``: Gemma), otherwise one up projection with GELU
    (GPT-2, GPT-NeoX, Phi, StarCoder2). ``sliding_window`` (0: none) caps the positions
    one query attends, on every layer but ``global_layers``. ``norm`` is ``rmsnorm`` or
    ``layernorm`` (which only changes the norm's parameter count: both are vector ops).
    """

    name: str
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    ffn: int
    vocab: int
    gated_mlp: bool = True
    experts: int = 1
    top_k: int = 1
    sliding_window: int = 0
    tied_embeddings: bool = False
    norm: str = "rmsnorm"
    qkv_bias: bool = False
    out_bias: bool = False
    mlp_bias: bool = False
    position_embeddings: int = 0
    """Learned absolute position embeddings (GPT-2: 1024); 0 for rotary models."""
    max_positions: int = 0
    """Positions a rotary model was built for (HF's ``max_position_embeddings``); 0: not stated."""
    partial_rotary_factor: float = 1.0
    """Fraction of ``head_dim`` a rotary model rotates (HF's ``partial_rotary_factor``; 1: all of it)."""
    expert_ffn: int = 0
    """Inner width of each routed expert (HF's ``moe_intermediate_size``); 0: ``ffn``."""
    shared_expert_ffn: int = 0
    """Inner width of an always-active shared expert with a one-output sigmoid gate (Qwen2-MoE); 0: none."""
    dense_layers: tuple[int, ...] = ()
    """Layers of a mixture of experts with a dense MLP, ``ffn`` wide (``mlp_only_layers``, ``decoder_sparse_step``)."""
    global_layers: tuple[int, ...] = ()
    """Layers that attend every position although ``sliding_window`` is set (Gemma-2/3, Qwen2's lower layers)."""
    activation: str = "silu"
    """Activation of a gated MLP: ``silu`` or ``gelu`` (a non-gated MLP is GELU)."""
    qk_norm: bool = False
    """Per-head RMSNorm of queries and keys, ``head_dim`` weights each (Qwen3, Gemma-3)."""
    sandwich_norm: bool = False
    """Norms after attention and after the MLP too, four per layer (Gemma-2/3)."""
    parallel_residual: bool = False
    """Attention and MLP both read the layer's input, one residual add (GPT-NeoX, Phi)."""
    shared_norm: bool = False
    """One norm feeds both attention and MLP of a parallel block (Phi)."""
    lm_head_bias: bool = False
    """The LM head adds a bias (Phi)."""
    embedding_scale: bool = False
    """Embeddings are multiplied by sqrt(hidden) before the first layer (Gemma)."""
    attn_softcap: bool = False
    """Attention scores pass through ``cap * tanh(s / cap)`` before the softmax (Gemma-2)."""
    logit_softcap: bool = False
    """The LM head's logits pass through ``cap * tanh(l / cap)`` (Gemma-2)."""
    source: str = ""

    def __post_init__(self) -> None:
        for field in ("hidden", "layers", "heads", "kv_heads", "head_dim", "ffn", "vocab", "experts", "top_k"):
            value = getattr(self, field)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"model {self.name}: {field} must be a positive integer, got {value!r}")
        for field in ("sliding_window", "position_embeddings", "max_positions", "expert_ffn", "shared_expert_ffn"):
            value = getattr(self, field)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"model {self.name}: {field} must be an integer >= 0, got {value!r}")
        if self.heads % self.kv_heads:
            raise ValueError(
                f"model {self.name}: heads={self.heads} must be a multiple of kv_heads={self.kv_heads} "
                "(each key/value head serves a whole group of query heads)"
            )
        if self.top_k > self.experts:
            raise ValueError(f"model {self.name}: top_k={self.top_k} exceeds experts={self.experts}")
        factor = self.partial_rotary_factor
        if isinstance(factor, bool) or not isinstance(factor, int | float) or not 0 < factor <= 1:
            raise ValueError(f"model {self.name}: partial_rotary_factor must be a number in (0, 1], got {factor!r}")
        if not self.position_embeddings and (self.rotary_dim == 0 or self.rotary_dim % 2):
            raise ValueError(
                f"model {self.name}: partial_rotary_factor={factor} rotates {self.rotary_dim} of head_dim="
                f"{self.head_dim} dimensions (must be a positive even number: rotary rotates pairs)"
            )
        if self.norm not in ("rmsnorm", "layernorm"):
            raise ValueError(f"model {self.name}: norm must be rmsnorm or layernorm, got {self.norm!r}")
        if self.activation not in ("silu", "gelu"):
            raise ValueError(f"model {self.name}: activation must be silu or gelu, got {self.activation!r}")
        for field in ("dense_layers", "global_layers"):
            layers = getattr(self, field)
            if any(not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < self.layers for i in layers):
                raise ValueError(
                    f"model {self.name}: {field} must be layer indices in 0..{self.layers - 1}, got {layers!r}"
                )
        if not self.is_moe and (self.expert_ffn or self.shared_expert_ffn or self.dense_layers):
            raise ValueError(f"model {self.name}: expert_ffn, shared_expert_ffn and dense_layers need experts > 1")
        if self.global_layers and not self.sliding_window:
            raise ValueError(f"model {self.name}: global_layers without a sliding_window")
        if self.shared_norm and not self.parallel_residual:
            raise ValueError(f"model {self.name}: shared_norm needs parallel_residual (one norm feeds both branches)")

    @property
    def position_limit(self) -> int:
        """Positions the model has: its learned embeddings' count, else its stated maximum (0: not stated)."""
        return self.position_embeddings or self.max_positions

    @property
    def group(self) -> int:
        """Query heads per key/value head (1: multi-head attention, heads: multi-query)."""
        return self.heads // self.kv_heads

    @property
    def q_width(self) -> int:
        """Width of all query heads together."""
        return self.heads * self.head_dim

    @property
    def kv_width(self) -> int:
        """Width of all key (or value) heads together."""
        return self.kv_heads * self.head_dim

    @property
    def rotary_dim(self) -> int:
        """Dimensions of each head that rotary embeddings rotate (0 for learned absolute positions).

        ``int(head_dim * partial_rotary_factor)``, as transformers' default rope initialisation computes it.
        """
        if self.position_embeddings:
            return 0
        return int(self.head_dim * self.partial_rotary_factor)

    @property
    def is_moe(self) -> bool:
        """True for a mixture-of-experts MLP (on every layer but ``dense_layers``)."""
        return self.experts > 1

    @property
    def expert_width(self) -> int:
        """Inner width of one routed expert."""
        return self.expert_ffn or self.ffn

    @property
    def mlp_matrices(self) -> int:
        """Weight matrices of one expert's MLP: gate, up, down (3) or up, down (2)."""
        return 3 if self.gated_mlp else 2

    @property
    def norms_per_layer(self) -> int:
        """Hidden-wide norms of one layer: 1 (Phi), 2, or 4 (Gemma-2/3)."""
        return (1 if self.shared_norm else 2) + (2 if self.sandwich_norm else 0)

    def moe_layer(self, layer: int) -> bool:
        """True when layer ``layer`` routes tokens to experts."""
        return self.is_moe and layer not in self.dense_layers

    def window(self, layer: int) -> int:
        """The sliding window of layer ``layer`` (0: it attends every position)."""
        return 0 if layer in self.global_layers else self.sliding_window

    def attended(self, positions: int, layer: int = 0) -> int:
        """Keys one query of layer ``layer`` attends when ``positions`` are available (a sliding window caps it)."""
        window = self.window(layer)
        return min(positions, window) if window else positions

    def layer_matrices(self, active_experts: int | None = None, layer: int = 0) -> tuple[tuple[int, int], ...]:
        """(in, out) shapes of layer ``layer``'s weight matrices, ``active_experts`` experts (default: all) stacked.

        Order: qkv, o_proj, then a dense MLP (up, down), or router, experts' up and down and,
        with a shared expert, its up, down and one-output gate.
        """
        shapes = [(self.hidden, self.q_width + 2 * self.kv_width), (self.q_width, self.hidden)]
        ups = self.mlp_matrices - 1
        if not self.moe_layer(layer):
            return (*shapes, (self.hidden, ups * self.ffn), (self.ffn, self.hidden))
        experts = self.experts if active_experts is None else active_experts
        width = self.expert_width
        shapes += [(self.hidden, self.experts), (self.hidden, experts * ups * width), (experts * width, self.hidden)]
        if self.shared_expert_ffn:
            shared = self.shared_expert_ffn
            shapes += [(self.hidden, ups * shared), (shared, self.hidden), (self.hidden, 1)]
        return tuple(shapes)

    def layer_matmul_weights(self, active_experts: int | None = None, layer: int = 0) -> int:
        """Weight elements of layer ``layer``'s matmuls, with ``active_experts`` experts (default: all)."""
        return sum(k * n for k, n in self.layer_matrices(active_experts, layer))

    def matmul_weights(self, active_experts: int | None = None) -> int:
        """Weight elements of every layer's matmuls (the LM head and embeddings not included)."""
        return sum(self.layer_matmul_weights(active_experts, i) for i in range(self.layers))

    def _layer_extras(self, layer: int, experts: int) -> int:
        """Biases and norm weights of layer ``layer`` with ``experts`` experts' MLP biases."""
        norm = (2 if self.norm == "layernorm" else 1) * self.hidden
        extras = self.norms_per_layer * norm
        if self.qk_norm:
            extras += 2 * self.head_dim
        if self.qkv_bias:
            extras += self.q_width + 2 * self.kv_width
        if self.out_bias:
            extras += self.hidden
        if self.mlp_bias:
            ups = self.mlp_matrices - 1
            if self.moe_layer(layer):
                extras += experts * (ups * self.expert_width + self.hidden)
                if self.shared_expert_ffn:
                    extras += ups * self.shared_expert_ffn + self.hidden
            else:
                extras += ups * self.ffn + self.hidden
        return extras

    def parameters(self) -> int:
        """All parameters: embeddings, matmul weights, biases, norms, LM head (unless tied) and its bias.

        The count the model cards quote (e.g. 8.03 B for Llama-3-8B, 124 M for GPT-2).
        """
        norm = (2 if self.norm == "layernorm" else 1) * self.hidden
        layers = sum(
            self.layer_matmul_weights(None, i) + self._layer_extras(i, self.experts) for i in range(self.layers)
        )
        embeddings = self.vocab * self.hidden + self.position_embeddings * self.hidden
        head = (0 if self.tied_embeddings else self.vocab * self.hidden) + (self.vocab if self.lm_head_bias else 0)
        return layers + embeddings + head + norm

    def active_parameters(self) -> int:
        """Parameters one token uses: ``top_k`` experts instead of all (Mixtral: 12.9 B of 46.7 B)."""
        idle = 0
        for i in range(self.layers):
            if self.moe_layer(i):
                all_experts = self.layer_matmul_weights(None, i) + self._layer_extras(i, self.experts)
                idle += all_experts - self.layer_matmul_weights(self.top_k, i) - self._layer_extras(i, self.top_k)
        return self.parameters() - idle
