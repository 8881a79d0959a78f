"""The Solara web page.

The page, its server, the controls, the live plots and chart widget, and the member
tiles and card.
"""
