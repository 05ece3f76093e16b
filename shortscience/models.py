"""No models: this module exists so that Django sends ``post_migrate`` to the project app (it skips apps without
a models module), which creates the cache table (``shortscience.apps``)."""
