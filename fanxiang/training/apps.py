from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "fanxiang.training"
    label = "training"
    verbose_name = "创业培训"

    def ready(self) -> None:
        from fanxiang.accounts.roles import Role, grant
        from fanxiang.core import registry
        from fanxiang.core.audit import track
        from fanxiang.core.scope import ADD, CHANGE, EXPORT, REVEAL, VIEW
        from fanxiang.training import models as m

        for model in (
            m.Programme,
            m.ProgrammeRule,
            m.Parameters,
            m.Provider,
            m.Base,
            m.TrainingClass,
            m.ClassSession,
            m.Enrolment,
            m.Attendance,
            m.Certificate,
            m.SubsidyClaim,
            m.SubsidyClaimLine,
        ):
            # the reverse one-to-ones (certificate, claim_line) would cost queries on every enrolment written
            reverse = {"exclude_fields": ["certificate", "claim_line"]} if model is m.Enrolment else {}
            track(model, **reverse)
        # the objector's number: the change log keeps the masked copy only
        track(m.Objection, exclude_fields=["contact_enc"])
        # reference data: the city edits it (city_admin holds every grant), everyone working on classes reads it
        for label in ("training.programme", "training.programmerule", "training.provider", "training.base"):
            grant(Role.COUNTY_OFFICER, label, {VIEW})
            grant(Role.SERVICE_CLERK, label, {VIEW})
        # the county runs its classes and reviews what the institution files
        for label in (
            "training.trainingclass",
            "training.classsession",
            "training.enrolment",
            "training.attendance",
            "training.certificate",
            "training.subsidyclaim",
            "training.subsidyclaimline",
            "training.objection",
        ):
            grant(Role.COUNTY_OFFICER, label, {VIEW, ADD, CHANGE, EXPORT})
        # the window clerk enrols visitors into open classes
        for label in ("training.trainingclass", "training.classsession"):
            grant(Role.SERVICE_CLERK, label, {VIEW})
        grant(Role.SERVICE_CLERK, "training.enrolment", {VIEW, ADD})
        grant(Role.COUNTY_OFFICER, "training.objection", {REVEAL})  # the objector's contact, logged
        # the training institution's staff and teachers, bound to their organization (the models'
        # scope_organization): they read their institution's classes, take the class steps of the
        # institution, mark attendance, issue certificates and file the subsidy claim; the county reviews
        provider = Role.TRAINING_PROVIDER
        for label in ("training.programme", "training.provider", "training.base"):
            grant(provider, label, {VIEW})
        for label in (
            "training.classsession",
            "training.enrolment",
            "training.subsidyclaimline",
        ):
            grant(provider, label, {VIEW, EXPORT})
        # no grant on objections (异议): who objected to a claim stays with the county, not the institution
        for label, actions in (
            ("training.trainingclass", {VIEW, CHANGE, EXPORT}),
            ("training.attendance", {VIEW, ADD, CHANGE, EXPORT}),
            ("training.certificate", {VIEW, ADD, EXPORT}),
            ("training.subsidyclaim", {VIEW, ADD, CHANGE, EXPORT}),
        ):
            grant(provider, label, actions)
        registry.register_api("fanxiang.training.api:router", "/training", order=85)
        registry.register_api("fanxiang.training.api_attendance:router", "/training", order=86)
        registry.register_api("fanxiang.training.api_claims:router", "/training", order=87)
        # staff /training/sessions|classes|certificates/…, the trainee's /portal/training/…, public /verify/<code>
        registry.register_urls("", "fanxiang.training.urls_attendance", order=86)
        # subsidy claims: public 公示 /training/public/publicity/ and staff /training/claims/<id>/
        registry.register_urls("", "fanxiang.training.urls_claims", order=87)
        registry.register_reference_loader("training", "fanxiang.training.reference:load", order=85)
        registry.register_reference_loader(
            "training.claims", "fanxiang.training.reference_claims:load", order=86
        )
        # staff pages /training/classes/… (list, calendar, class, timetable, enrolment, import) and the
        # trainee's 我的培训 /portal/training/ (ahead of the portal app's URLconf)
        registry.register_urls("training/", "fanxiang.training.urls", order=85)
        registry.register_urls("portal/", "fanxiang.training.portal_urls", order=84)
        for label, url_name, order in (
            ("培训班", "training:class_list", 90),
            ("培训日历", "training:class_calendar", 91),
        ):
            registry.register_nav(
                registry.NavItem("创业培训", label, url_name, "training.trainingclass", order=order)
            )
        registry.register_nav(
            registry.NavItem(
                "创业培训", "补贴申领", "training_claims:claim_list", "training.subsidyclaim", order=92
            )
        )
        from fanxiang.training import todos_claims, todos_classes

        todos_classes.register()  # 我的待办: classes to file, approve, finish; today's sessions' roll
        todos_claims.register()  # 我的待办: claims waiting for review, approval, payment, follow-up
        registry.register_person_section(
            registry.PersonSection(
                "training", "培训记录", "fanxiang.training.person_section:render", order=45
            )
        )
        registry.register_demo_loader("training.demo", "fanxiang.training.demo:load", order=75)
        # the demo teacher on 郸城县's classes of its institution (after the classes exist)
        registry.register_demo_loader("training.staff", "fanxiang.training.demo_staff:load", order=76)
