"""The weekly 7-day air-quality forecast: model, import, questions, text and the picture."""
