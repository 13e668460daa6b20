"""Date and number formats per language, where this product's differ from Django's own."""
