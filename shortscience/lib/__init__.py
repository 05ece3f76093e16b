"""Code that several apps share and none owns (as healthchecks keeps ``hc/lib/``).

Nothing here imports an app (accounts, papers, summaries, comments, moderation, ...), not even inside a
function: callers pass in what needs the database (e.g. the renderer's ``resolve_papers``). Reading
Django settings is fine: settings are not an app.
"""
