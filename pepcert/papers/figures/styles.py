"""How the papers' figures draw the built-in methods."""

METHOD_LABELS = {"cgd": "CGD", "ef": "EF", "ef21": "EF21"}
METHOD_COLOURS = {"cgd": "tab:green", "ef": "tab:blue", "ef21": "tab:orange"}
