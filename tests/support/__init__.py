"""Builders of test inputs (ONNX and TFLite models) shared by tests and benchmarks."""
