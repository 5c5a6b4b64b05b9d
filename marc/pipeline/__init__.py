"""Stage 6, pipeline: the whole run shared by the CLI and the app (``project``: framework -> panel -> hazards -> scores ->
ranks, with the project defaults) and the identity of a citable result (``release``).
"""
