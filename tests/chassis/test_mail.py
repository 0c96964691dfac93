import logging

from django.core.mail import get_connection, send_mail


def test_the_console_backend_logs_each_mail_as_one_record(caplog):
    """The record becomes one JSON line through the stdout handler (see test_logging)."""
    connection = get_connection("chassis.mail.JsonConsoleEmailBackend")
    with caplog.at_level(logging.INFO, logger="chassis.mail"):
        sent = send_mail("Order ABC confirmed", "Line one.\nLine two.", "shop@example.com", ["ada@example.com"],
                         connection=connection)
    mail = [record for record in caplog.records if record.getMessage() == "email sent"]
    assert sent == 1 and len(mail) == 1
    assert mail[0].email_to == ["ada@example.com"] and mail[0].email_body == "Line one.\nLine two."
