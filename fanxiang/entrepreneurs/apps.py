from django.apps import AppConfig


class EntrepreneursConfig(AppConfig):
    name = "fanxiang.entrepreneurs"
    label = "entrepreneurs"
    verbose_name = "返乡创业人员与经营主体"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from fanxiang.accounts.roles import Role, grant
        from fanxiang.core import registry
        from fanxiang.core.audit import track
        from fanxiang.core.registry import NavItem, register_nav
        from fanxiang.core.scope import ADD, CHANGE, EXPORT, REVEAL, VIEW
        from fanxiang.entrepreneurs import models as m

        track(
            m.Entrepreneur,
            # contact_assigned_at: the log entry's own time says when a contact was assigned
            exclude_fields=[
                "id_number_enc",
                "id_number_hash",
                "mobile_enc",
                "mobile_hash",
                "name_initials",
                "contact_assigned_at",
            ],
        )
        track(m.Business, exclude_fields=["name_initials"])
        for model in (
            m.BusinessFounder,
            m.JobReport,
            m.DuplicateCandidate,
            m.TransferRequest,
            m.PriorityGroup,
            m.IndustryTag,
        ):
            track(model)
        registry_models = ("entrepreneur", "business", "jobreport", "duplicatecandidate", "transferrequest")
        for name in registry_models:
            grant(Role.COUNTY_OFFICER, f"entrepreneurs.{name}", {VIEW, ADD, CHANGE, EXPORT, REVEAL})
        for name in ("entrepreneur", "business", "jobreport"):
            grant(Role.SERVICE_CLERK, f"entrepreneurs.{name}", {VIEW, ADD, CHANGE})
        register_nav(
            NavItem(
                _("创业人员登记"),
                _("返乡创业人员"),
                "entrepreneurs:list",
                "entrepreneurs.entrepreneur",
                order=20,
            )
        )
        register_nav(
            NavItem(
                _("创业人员登记"),
                _("经营主体"),
                "entrepreneurs:business_list",
                "entrepreneurs.business",
                order=21,
            )
        )
        register_nav(
            NavItem(
                _("创业人员登记"),
                _("批量导入"),
                "entrepreneurs:import",
                "entrepreneurs.entrepreneur",
                ADD,
                order=22,
            )
        )
        register_nav(
            NavItem(
                _("创业人员登记"),
                _("疑似重复"),
                "entrepreneurs:duplicates",
                "entrepreneurs.duplicatecandidate",
                CHANGE,
                order=23,
            )
        )
        register_nav(
            NavItem(
                _("创业人员登记"),
                _("转移申请"),
                "entrepreneurs:transfers",
                "entrepreneurs.transferrequest",
                VIEW,
                order=24,
            )
        )
        registry.register_api("fanxiang.entrepreneurs.api:router", "/entrepreneurs", order=40)
        registry.register_api("fanxiang.entrepreneurs.api_excel:router", "/entrepreneurs", order=41)
        # 点对点对接服务: batch assignment of contacts (fanxiang.entrepreneurs.contacts)
        registry.register_api("fanxiang.entrepreneurs.api_contacts:router", "/entrepreneurs", order=41)
        registry.register_api("fanxiang.entrepreneurs.api:business_router", "/businesses", order=42)
        registry.register_urls("entrepreneurs/", "fanxiang.entrepreneurs.urls", order=40)
        from fanxiang.entrepreneurs import todos

        todos.register()  # the to-do inbox: transfers to decide (core.tasks)
        from fanxiang.entrepreneurs.contacts import CONTACT_EVENTS

        registry.register_notification_events(*CONTACT_EVENTS, order=40)
        registry.register_demo_loader("entrepreneurs.contacts", "fanxiang.entrepreneurs.demo:load", order=45)
        registry.register_reference_loader(
            "entrepreneurs.groups_and_tags",
            "fanxiang.entrepreneurs.reference:load_registry_reference",
            order=40,
        )
