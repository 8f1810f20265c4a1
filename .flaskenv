# Read by `flask …` (python-dotenv): commands find the running `make run`'s servers, or start them (webapp/cli.py).
FLASK_APP=webapp.cli:command_app
