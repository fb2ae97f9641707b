"""Instructor-side package of the softmax-regression course: reference implementations, hidden-test checks and grading."""
