FOO bar
