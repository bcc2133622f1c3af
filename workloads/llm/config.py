"""The architecture of a decoder-only LLM: what its weights and attention look like.

One frozen :class:`LlmConfig` describes every model the LLM workloads build:
GPT-2-style (LayerNorm, GELU MLP, biases) and Llama-style (RMSNorm, gated SiLU
MLP) decoders, grouped-query attention (``kv_heads`` < ``heads``), a sliding
attention window and mixture-of-experts MLPs (``experts`` with ``top_k`` active).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LlmConfig:
    """A decoder-only transformer's shapes, as a Hugging Face ``config.json`` gives them.

    ``ffn`` is the MLP's inner width (per expert for a mixture of experts);
    ``gated_mlp`` means gate and up projections with SiLU (Llama/Mistral/Qwen/Phi-3),
    otherwise one up projection with GELU (GPT-2). ``sliding_window`` (0: none)
    caps the positions one query attends. ``norm`` is ``rmsnorm`` or ``layernorm``
    (which only changes the norm's parameter count: both are vector ops).
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
    partial_rotary_factor: float = 1.0
    """Fraction of ``head_dim`` a rotary model rotates (HF's ``partial_rotary_factor``; 1: all of it)."""
    source: str = ""

    def __post_init__(self) -> None:
        for field in ("hidden", "layers", "heads", "kv_heads", "head_dim", "ffn", "vocab", "experts", "top_k"):
            value = getattr(self, field)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"model {self.name}: {field} must be a positive integer, got {value!r}")
        for field in ("sliding_window", "position_embeddings"):
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
        """True for a mixture-of-experts MLP."""
        return self.experts > 1

    @property
    def mlp_matrices(self) -> int:
        """Weight matrices of one expert's MLP: gate, up, down (3) or up, down (2)."""
        return 3 if self.gated_mlp else 2

    def attended(self, positions: int) -> int:
        """Keys one query attends when ``positions`` are available (the sliding window caps it)."""
        return min(positions, self.sliding_window) if self.sliding_window else positions

    def layer_matrices(self, active_experts: int | None = None) -> tuple[tuple[int, int], ...]:
        """(in, out) shapes of one layer's weight matrices, ``active_experts`` experts (default: all) stacked."""
        experts = self.experts if active_experts is None else active_experts
        shapes = [(self.hidden, self.q_width + 2 * self.kv_width), (self.q_width, self.hidden)]
        if self.is_moe:
            shapes.append((self.hidden, self.experts))
        up = (self.mlp_matrices - 1) * self.ffn
        shapes += [(self.hidden, experts * up), (experts * self.ffn, self.hidden)]
        return tuple(shapes)

    def layer_matmul_weights(self, active_experts: int | None = None) -> int:
        """Weight elements of one layer's matmuls, with ``active_experts`` experts (default: all)."""
        return sum(k * n for k, n in self.layer_matrices(active_experts))

    def parameters(self) -> int:
        """All parameters: embeddings, matmul weights, biases, norms, LM head (unless tied).

        The count the model cards quote (e.g. 8.03 B for Llama-3-8B, 124 M for GPT-2).
        """
        norm = (2 if self.norm == "layernorm" else 1) * self.hidden
        bias = 0
        if self.qkv_bias:
            bias += self.q_width + 2 * self.kv_width
        if self.out_bias:
            bias += self.hidden
        if self.mlp_bias:
            bias += self.experts * ((self.mlp_matrices - 1) * self.ffn + self.hidden)
        per_layer = self.layer_matmul_weights() + bias + 2 * norm
        embeddings = self.vocab * self.hidden + self.position_embeddings * self.hidden
        head = 0 if self.tied_embeddings else self.vocab * self.hidden
        return self.layers * per_layer + embeddings + head + norm

    def active_parameters(self) -> int:
        """Parameters one token uses: ``top_k`` experts instead of all (Mixtral: 12.9 B of 46.7 B)."""
        idle = (self.experts - self.top_k) * self.mlp_matrices * self.hidden * self.ffn
        return self.parameters() - self.layers * idle
