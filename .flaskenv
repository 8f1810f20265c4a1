# Read by `flask …` (python-dotenv): commands find the running `make run`'s servers, or start them (webapp/console.py).
FLASK_APP=webapp.console:command_app
