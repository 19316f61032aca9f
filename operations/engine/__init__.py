"""The simulation engine: plain Python, no Django.

A discrete-event simulator per lab (core.Simulation), the lab clock (clock.Clock), and the
operations as plans of timed steps (vmotion, storage, power) that a runner plays against the
clock. Time is always passed in; nothing here reads the wall clock, so tests step the clock.
"""
