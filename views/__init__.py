"""The dashboard's pages, one module each; thin: read filters, call the analysis, draw."""
