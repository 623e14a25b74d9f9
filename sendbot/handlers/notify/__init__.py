"""GOV.UK Notify: text messages (and email, when the school chose Notify for email) to parents
and carers, and Notify's delivery receipts. The only package that imports its client.

The client is synchronous (requests): each call runs in a worker thread. docs/parents.md.
"""
