"""Readers that turn files (SCALE-Sim CSV, ONNX, TFLite) into workloads."""
