"""Flask-WTF forms for the HTML side, one module per area. Labels and messages go through the catalogue."""
