"""Delivering what people asked to hear about: e-mails (digests, new-request alerts) and chat
webhooks. Like a view renders a read model into a page, this renders read models into messages
and sends them; it sits with the entry points, above services and read models.
"""
