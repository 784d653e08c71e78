"""The two letters of the built-in practice, in Japanese; admins edit them afterwards."""

from django.db import migrations

NOTICE = """{{ member_name }} 様

平素より格別のご愛顧を賜り、誠にありがとうございます。

このたび、「{{ program_name }}」におきまして、ご解約のお申し出をいただいた後の月額基本料金を誤ってご請求しておりました。お客様には多大なるご迷惑をおかけしましたことを、深くお詫び申し上げます。

下記のとおりご返金いたします。

ご契約番号：{{ contract_no }}
過請求の対象月：{{ months }}
ご返金額：{{ amount }}
ご返金の方法：{{ payout }}

{{ how_to_claim }}

ご不明な点は、返金専用フリーダイヤル {{ free_dial_number }}（受付時間 {{ free_dial_hours }}、年中無休）までお問い合わせください。お問い合わせの際は、案件番号 {{ case_no }} をお伝えください。

今後このようなことのないよう、再発防止に努めてまいります。何卒ご理解を賜りますようお願い申し上げます。"""

REMINDER = """{{ member_name }} 様

先日、「{{ program_name }}」における過請求についてのお詫びとご返金のご案内をお送りいたしましたが、まだお振込先のご連絡をいただいておりません。

ご契約番号：{{ contract_no }}
過請求の対象月：{{ months }}
ご返金額：{{ amount }}

{{ how_to_claim }}

返金専用フリーダイヤル {{ free_dial_number }}（受付時間 {{ free_dial_hours }}、年中無休）でもお振込先を承ります。お問い合わせの際は、案件番号 {{ case_no }} をお伝えください。

行き違いでご連絡をいただいている場合は、ご容赦ください。"""


def seed(apps, schema_editor):
    LetterTemplate = apps.get_model("refunds", "LetterTemplate")
    LetterTemplate.objects.get_or_create(
        kind="notice", defaults={"subject": "お詫びとご返金のお知らせ", "body": NOTICE}
    )
    LetterTemplate.objects.get_or_create(
        kind="reminder",
        defaults={"subject": "【再送】お詫びとご返金のお知らせ", "body": REMINDER},
    )


class Migration(migrations.Migration):
    dependencies = [("refunds", "0015_letters")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
