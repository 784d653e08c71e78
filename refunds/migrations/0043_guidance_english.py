"""The talk scripts and FAQ in English, for the English interface; the Japanese text stays
what the operator reads out to a caller."""

from django.db import migrations, models

# (situation, Japanese title as seeded) -> (English title, English text)
ENGLISH = {
    ("category_1", "現在ご利用中のお客さま（区分1）"): (
        "A current member (category 1)",
        "We are very sorry that we charged you the monthly base fee by mistake after you asked "
        "to cancel.\n\n"
        "Your refund will be taken off your next bill, so there is nothing you need to do. If "
        "you would rather have a bank transfer, I can take your account details on this call.\n\n"
        "(Note) After the identity check, read out the amount and the caller's answer. If they "
        "want a transfer, take the claim.",
    ),
    ("category_2", "最近ご解約のお客さま（区分2）"): (
        "A recent leaver (category 2)",
        "We are very sorry that we charged you the monthly base fee by mistake after you asked "
        "to cancel.\n\n"
        "We will refund you by bank transfer. May I take the account to pay into (bank, branch, "
        "account type, account number and the holder's name in katakana)?\n\n"
        "(Note) After the identity check, take the account. If the holder is not the member, "
        "choose the reason.",
    ),
    ("category_3", "以前にご解約のお客さま（区分3）"): (
        "A former member (category 3)",
        "Thank you for calling. We are very sorry that we charged the monthly base fee by "
        "mistake after you asked to cancel.\n\n"
        "Once we have checked the billing, we will refund you by bank transfer. May I take the "
        "account to pay into?\n\n"
        "(Note) After the identity check, take the claim. Staff check the billing before the "
        "refund is prepared.",
    ),
    ("unknown", "記録が見つからないお客さま"): (
        "A caller the data does not know",
        "I have looked, but I cannot find a record of your contract here. Could you tell me the "
        "name, address, phone number and member number you had at the time, if you know them? "
        "A member of staff will check and call you back.\n\n"
        "(Note) From the search page, open an investigation to record what the caller says and "
        "their current contact details.",
    ),
    ("complaint", "ご不満・お叱りのお申し出"): (
        "A complaint",
        "I am very sorry for the trouble this has caused you. I will make sure a supervisor "
        "hears what you have told me, and we will contact you again.\n\n"
        "(Note) If the caller asks for a supervisor, pass the call to a supervisor. When ending "
        "the call, choose “Complaint” as the reason.",
    ),
    ("third_party", "ご本人以外の方からのお電話"): (
        "Someone calling for the member",
        "Thank you for calling. To protect the member's personal information, we give details "
        "such as the refund amount to the member in person.\n\n"
        "(Note) Tell family members only the state of the refund, never the amount. Claims by "
        "an agent or an heir are taken once the documents have arrived; a supervisor decides an "
        "heir's claim.",
    ),
    ("faq", "なぜ返金されるのですか？"): (
        "Why am I being refunded?",
        "Because of a system fault, we charged the monthly base fee for months after you had "
        "asked to cancel. We are refunding that charge.",
    ),
    ("faq", "対象になるのはどのような人ですか？"): (
        "Who is affected?",
        "Customers who applied for the So-net Hikari with FLET'S course on or after 1 April "
        "2005, asked to cancel by 16 September 2009, and were charged the monthly base fee for "
        "a month after the service ended.",
    ),
    ("faq", "いくら返金されますか？"): (
        "How much will I get back?",
        "The monthly base fee charged by mistake, tax included. For most people this is about "
        "one month: 3,402 to 6,720 yen. The amount is given after the identity check.",
    ),
    ("faq", "いつ返金されますか？"): (
        "When will I be refunded?",
        "Current members have it taken off their next bill. A bank transfer is made within "
        "about 10 business days of taking the account. The member page's answer for the caller "
        "gives their own dates.",
    ),
    ("faq", "問い合わせ窓口の電話番号と受付時間は？"): (
        "What is the number to call, and when is it open?",
        "The refund free-dial line 0120-78-8221, 9:00 to 18:00, every day of the year.",
    ),
    ("faq", "家族が代わりに請求できますか？"): (
        "Can a family member claim instead?",
        "A family member calling is told only the state of the refund, never the amount. A "
        "claim by an agent needs a letter of authority; an heir's claim needs the documents of "
        "the inheritance.",
    ),
    ("faq", "口座名義が本人と違っても振り込めますか？"): (
        "Can you pay into an account in another name?",
        "A transfer to a family member's or an heir's account is taken with the reason, and an "
        "approver checks it before it is paid.",
    ),
    ("faq", "通知書が届かない、住所が変わった"): (
        "The letter did not arrive, or I have moved",
        "Take the current address and update the record. A letter returned as undeliverable is "
        "sent again once the address is confirmed.",
    ),
}


def seed(apps, schema_editor):
    Guidance = apps.get_model("refunds", "Guidance")
    for (situation, title), (title_en, body_en) in ENGLISH.items():
        Guidance.objects.filter(situation=situation, title=title, title_en="").update(
            title_en=title_en, body_en=body_en
        )


class Migration(migrations.Migration):
    dependencies = [("refunds", "0042_case_claimed_at")]

    operations = [
        migrations.AddField(
            model_name="guidance",
            name="title_en",
            field=models.CharField(
                blank=True, max_length=200, verbose_name="title or question (English)"
            ),
        ),
        migrations.AddField(
            model_name="guidance",
            name="body_en",
            field=models.TextField(blank=True, verbose_name="text (English)"),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
