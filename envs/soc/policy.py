"""A pair-scoring actor for SocSchedule-v0: one small network scores every (ready task, core) pair.

The flat MLP actor must learn a different output unit per slot and core; this one
applies the same weights to every pair's features (expected finish on that core
relative to the best pair, relative to the task's own best core, duration, the core's
backlog, the task's upward rank, whether HEFT's plan queues the task now and on this
core, the episode's progress), so what it learns about one
pair holds for all, whatever slot the task sits in. A linear head on the whole
observation scores waiting. The critic is an ordinary MLP. Imported only with torch
(by the PPO agent).
"""

from __future__ import annotations

from typing import Any

import torch
from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy
from torch import nn

from envs.soc.env import GLOBAL_FEATURES, slot_width

PAIR_FEATURES = 9 + GLOBAL_FEATURES


class PairScorer(nn.Module):
    """Observation -> logits of ``slots * cores`` pairs and of waiting (the env's action order)."""

    def __init__(self, obs_dim: int, slots: int, cores: int, hidden: int = 32) -> None:
        super().__init__()
        self.slots, self.cores = slots, cores
        self.width = slot_width(cores)
        self.score = nn.Sequential(
            nn.Linear(PAIR_FEATURES, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, 1)
        )
        self.wait = nn.Linear(obs_dim, 1)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """Logits, one per action."""
        batch, k, p = obs.shape[0], self.slots, self.cores
        slot = obs[:, : k * self.width].reshape(batch, k, self.width)
        valid = slot[:, :, 0:1].expand(batch, k, p)
        rank = slot[:, :, 1:2].expand(batch, k, p)
        advised = slot[:, :, 2:3].expand(batch, k, p)
        finish = slot[:, :, 3 : 3 + p]
        duration = slot[:, :, 3 + p : 3 + 2 * p]
        planned = slot[:, :, 3 + 2 * p :]
        best_core = finish.min(dim=2, keepdim=True).values
        backlog = obs[:, k * self.width : k * self.width + p].unsqueeze(1).expand(batch, k, p)
        progress = obs[:, -GLOBAL_FEATURES:].unsqueeze(1).unsqueeze(1).expand(batch, k, p, GLOBAL_FEATURES)
        pair = torch.stack(
            [
                finish,
                finish - best_core,
                best_core.expand(batch, k, p),
                duration,
                backlog,
                rank,
                valid,
                advised,
                planned,
            ],
            dim=-1,
        )
        logits = self.score(torch.cat([pair, progress], dim=-1)).reshape(batch, k * p)
        return torch.cat([logits, self.wait(obs)], dim=1)


class PairExtractor(nn.Module):
    """Hands the raw features to the actor and an MLP of them to the critic."""

    def __init__(self, features_dim: int, hidden: int = 64) -> None:
        super().__init__()
        self.latent_dim_pi = features_dim
        self.latent_dim_vf = hidden
        self.value = nn.Sequential(nn.Linear(features_dim, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh())

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(actor latent, critic latent)."""
        return features, self.value(features)

    def forward_actor(self, features: torch.Tensor) -> torch.Tensor:
        """The features unchanged."""
        return features

    def forward_critic(self, features: torch.Tensor) -> torch.Tensor:
        """The critic's hidden layers."""
        return self.value(features)


class PairScoringPolicy(MaskableActorCriticPolicy):
    """MaskablePPO policy whose actor is a :class:`PairScorer` (``slots`` and ``cores`` of the env)."""

    def __init__(self, *args: Any, slots: int, cores: int, **kwargs: Any) -> None:
        self.slots, self.cores = slots, cores
        super().__init__(*args, **kwargs)

    def _build_mlp_extractor(self) -> None:
        self.mlp_extractor = PairExtractor(self.features_dim)

    def _build(self, lr_schedule: Any) -> None:
        super()._build(lr_schedule)
        self.action_net = PairScorer(self.features_dim, self.slots, self.cores)
        if self.ortho_init:
            self.action_net.apply(lambda m: self.init_weights(m, gain=0.01))
        self.optimizer = self.optimizer_class(self.parameters(), lr=lr_schedule(1), **self.optimizer_kwargs)


__all__ = ["PairScorer", "PairScoringPolicy"]
