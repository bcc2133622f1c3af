"""Imitation pretraining of the maskable policy from HEFT's (or greedy's) decisions (DeepSoCS's first stage).

DeepSoCS (Electronics 2020) first trains its scheduler to copy HEFT and then improves it by
reinforcement learning. Here the expert is the env's own HEFT advisor
(:meth:`envs.soc.env.SocScheduleEnv.advised_action`, which replays the ``heft`` baseline
exactly): :func:`demonstrations` records its (observation, mask, action, return to go) on
episodes, :func:`pretrain` fits the policy's actor by cross-entropy on the masked action
distribution and its critic to the expert's returns, so that PPO starts from HEFT's level
with a value function that already knows it. Loaded only with torch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from envs.soc.env import SocScheduleEnv


@dataclass(frozen=True)
class Demonstrations:
    """The expert's steps: observations, action masks, actions and undiscounted returns to go."""

    obs: np.ndarray
    masks: np.ndarray
    actions: np.ndarray
    returns: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.actions)
        if not (len(self.obs) == len(self.masks) == len(self.returns) == n) or n == 0:
            raise ValueError(f"demonstrations: need as many observations, masks and returns as actions (>0), got {n}")


EXPERTS = ("heft", "greedy")
"""Experts to copy: HEFT's plan (``advised_action``) or earliest finish among the visible tasks."""


def demonstrations(env_kwargs: Mapping[str, Any], seeds: Sequence[int], expert: str = "heft") -> Demonstrations:
    """The ``expert``'s decisions on the episodes of ``seeds`` of ``SocScheduleEnv(**env_kwargs)``."""
    if expert not in EXPERTS:
        raise ValueError(f"expert must be one of {', '.join(EXPERTS)}, got {expert!r}")
    env = SocScheduleEnv(**env_kwargs)
    obs_rows, mask_rows, actions, returns = [], [], [], []
    for seed in seeds:
        obs, _ = env.reset(seed=int(seed))
        rewards: list[float] = []
        done = False
        while not done:
            action = env.advised_action() if expert == "heft" else env.greedy_action()
            obs_rows.append(obs)
            mask_rows.append(env.action_masks())
            actions.append(action)
            obs, reward, done, _, _ = env.step(np.int64(action))
            rewards.append(reward)
        returns.extend(np.cumsum(rewards[::-1])[::-1].tolist())
    return Demonstrations(
        np.asarray(obs_rows, dtype=np.float32),
        np.asarray(mask_rows, dtype=bool),
        np.asarray(actions, dtype=np.int64),
        np.asarray(returns, dtype=np.float32),
    )


def pretrain(
    model: Any,
    data: Demonstrations,
    epochs: int = 10,
    batch_size: int = 256,
    learning_rate: float = 1e-3,
    seed: int = 0,
) -> dict[str, float]:
    """Fit ``model.policy`` (a MaskablePPO policy) to ``data``: actor by cross-entropy, critic by squared error.

    Returns the last epoch's mean actor loss, critic loss and the share of expert actions the
    policy's most likely action matches (on the demonstrations).
    """
    import torch

    policy = model.policy
    device = policy.device
    obs = torch.as_tensor(data.obs, device=device)
    masks = torch.as_tensor(data.masks, device=device)
    actions = torch.as_tensor(data.actions, device=device)
    returns = torch.as_tensor(data.returns, device=device)
    optimizer = torch.optim.Adam(policy.parameters(), lr=learning_rate)
    rng = np.random.default_rng(seed)
    stats: dict[str, float] = {}
    policy.set_training_mode(True)
    for _ in range(epochs):
        order = rng.permutation(len(actions))
        actor_sum = critic_sum = 0.0
        for lo in range(0, len(order), batch_size):
            idx = torch.as_tensor(order[lo : lo + batch_size], device=device)
            values, log_prob, _ = policy.evaluate_actions(obs[idx], actions[idx], action_masks=masks[idx])
            actor = -log_prob.mean()
            critic = torch.nn.functional.mse_loss(values.flatten(), returns[idx])
            loss = actor + 0.5 * critic
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(policy.parameters(), 0.5)
            optimizer.step()
            actor_sum += actor.item() * len(idx)
            critic_sum += critic.item() * len(idx)
        stats = {"actor_loss": actor_sum / len(order), "critic_loss": critic_sum / len(order)}
    policy.set_training_mode(False)
    with torch.no_grad():
        chosen = policy.get_distribution(obs, action_masks=masks.cpu().numpy()).mode()
    stats["agreement"] = float((chosen == actions).float().mean())
    return stats


__all__ = ["EXPERTS", "Demonstrations", "demonstrations", "pretrain"]
