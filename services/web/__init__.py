"""The web pages, served by the API's process (app.py `install_web`): server-rendered Jinja2 with
GOV.UK Frontend's macros, over the same views and commands as the API.
"""
