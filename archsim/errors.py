"""Errors raised at archsim's edges (files, CLI, env constructors)."""

from __future__ import annotations

from workloads.errors import InputError, did_you_mean

__all__ = ["InputError", "did_you_mean"]
