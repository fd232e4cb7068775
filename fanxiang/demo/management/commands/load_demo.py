from django.core.management.base import BaseCommand

from fanxiang.demo.services import DEMO_PASSWORD, DEMO_USERS, load_demo_data, load_reference_data
from fanxiang.finance.demo import load_finance_demo


class Command(BaseCommand):
    help = "载入演示数据（演示用户、演示银行与担保机构、2020年目标分解）。可重复执行，不会重复创建。"

    def handle(self, *args, **options):
        load_reference_data()
        created = load_demo_data()
        load_finance_demo()  # demo products of the demo banks (finance)
        from fanxiang.portal.demo import load_portal_demo

        portal = load_portal_demo(DEMO_PASSWORD)  # the demo entrepreneur's portal account (/portal/)
        self.stdout.write(
            f"演示数据已就绪（新建用户 {len(created)} 个）。演示账号（密码均为 {DEMO_PASSWORD}）："
        )
        for username, real_name, _org, roles in DEMO_USERS:
            role_text = "、".join(f"{r.label}@{code}" for r, code in roles)
            self.stdout.write(f"  {username:<18} {real_name}  {role_text}")
        self.stdout.write(
            f"  门户 /portal/：手机号 {portal['mobile']}，短信验证码见服务器日志（或用上述密码登录）；"
            f"实名 {portal['name']} {portal['id_number']}{'（已绑定）' if portal['bound'] else ''}"
        )
