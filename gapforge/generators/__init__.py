"""Challenger, solver, the generation loop, seeds and prompts."""
