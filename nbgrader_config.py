"""nbgrader configuration for the softmax-regression course.

Plain nbgrader commands run in this folder use it unchanged:

    nbgrader generate_assignment softmax   # solutions/softmax -> exercises/softmax
    nbgrader validate exercises/softmax/softmax.ipynb
    nbgrader autograde softmax             # submitted/<student>/softmax -> autograded/
"""

c = get_config()  # noqa: F821  (injected by traitlets)

c.CourseDirectory.course_id = "softmax-regression"
# solutions/ holds the instructor notebooks (nbgrader's "source"),
# exercises/ the student versions generated from them (nbgrader's "release").
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# Student stubs: say what to do, never how.
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# The default is 30 s a cell. Hidden checks start a clean judge process (about 3 s for torch),
# and the training assignment retrains a model, so cells get more time; the grader adds a
# wall-clock limit per notebook on top of this.
c.Execute.timeout = 300
c.Execute.interrupt_on_timeout = True
