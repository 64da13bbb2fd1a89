"""Sub-commands of the ``hallmonitor`` command line, one module each."""
