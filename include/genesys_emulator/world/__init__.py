"""The emulated org itself: its conversations, their timelines and evolution, its users and queues.

Pure and deterministic from a seed: nothing here knows about HTTP, tokens or faults.
"""
