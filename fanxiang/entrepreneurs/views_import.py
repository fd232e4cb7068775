"""The import wizard (upload → dry-run report → commit → result) and the Excel downloads.

Thin: files and jobs go through ``tasks`` (which runs ``imports``); background jobs show a progress bar
polled with HTMX every second."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from fanxiang.core.errors import DomainError, NotFound
from fanxiang.core.excel import xlsx_response
from fanxiang.core.imports import commit_offers
from fanxiang.core.scope import ADD, EXPORT, resolve
from fanxiang.entrepreneurs import exports, imports, selectors, tasks
from fanxiang.entrepreneurs.filtersets import EntrepreneurFilter
from fanxiang.entrepreneurs.models import Entrepreneur, ImportJob

ERRORS_SHOWN = 1_000


class UploadForm(forms.Form):
    file = forms.FileField(
        label="选择文件",
        help_text="Excel（.xlsx/.xls）或 CSV（UTF-8/GBK）文件，第1行为列名。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
    )


class ImportMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and resolve(request.user, Entrepreneur, ADD).empty:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_job(self, pk: int) -> ImportJob:
        try:
            return tasks.import_job_get(self.request.user, pk)
        except NotFound:
            raise Http404


class ImportView(ImportMixin, View):
    """Step 1: upload. The file is checked (dry run) first; nothing is written until confirmed."""

    template_name = "entrepreneurs/import.html"

    def context(self, form):
        return {
            "title": "批量导入返乡创业人员",
            "form": form,
            "jobs": tasks.import_jobs_for_user(self.request.user)[:10],
            "columns": imports.COLUMNS,
            "threshold": imports.BACKGROUND_THRESHOLD,
            "max_rows": imports.MAX_ROWS,
        }

    def get(self, request):
        return render(request, self.template_name, self.context(UploadForm()))

    def post(self, request):
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = tasks.import_job_create(
                    actor=request.user, upload=form.cleaned_data["file"], dry_run=True
                )
            except DomainError as exc:
                form.add_error("file", f"{exc.message}（{exc.code}）")
            else:
                return HttpResponseRedirect(reverse("entrepreneurs:import_job", args=[job.pk]))
        return render(request, self.template_name, self.context(form), status=422)


class ImportJobView(ImportMixin, View):
    """Step 2 (dry run report + commit buttons) and step 3 (result) of one job."""

    template_name = "entrepreneurs/import_job.html"

    def get(self, request, pk: int):
        job = self.get_job(pk)
        errors = job.errors[:ERRORS_SHOWN]
        bad_rows = len({e["row"] for e in job.errors})
        return render(
            request,
            self.template_name,
            {
                "title": f"导入任务 #{job.pk}",
                "job": job,
                "errors": errors,
                "errors_truncated": len(job.errors) > len(errors),
                "bad_rows": bad_rows,
                "can_commit": job.dry_run and job.status == ImportJob.Status.DONE and job.valid_rows > 0,
                "offers": job.dry_run and commit_offers(valid_rows=job.valid_rows, error_rows=bad_rows),
                "commits": tasks.import_jobs_for_user(request.user).filter(parent=job).order_by("-pk")[:5],
            },
        )


class ImportProgressView(ImportMixin, View):
    """The progress bar, polled every second by HTMX; once the job ends the page reloads to the result."""

    def get(self, request, pk: int):
        job = self.get_job(pk)
        response = render(request, "entrepreneurs/_import_progress.html", {"job": job})
        if job.finished and request.htmx:
            response["HX-Refresh"] = "true"
        return response


class ImportCommitView(ImportMixin, View):
    """Commit a checked file: all-or-nothing (default) or only the valid rows (``mode=partial``)."""

    def post(self, request, pk: int):
        parent = self.get_job(pk)
        try:
            job = tasks.import_job_commit(
                actor=request.user, dry_run_job=parent, partial=request.POST.get("mode") == "partial"
            )
        except DomainError as exc:
            messages.error(request, f"{exc.message}（{exc.code}）")
            return HttpResponseRedirect(reverse("entrepreneurs:import_job", args=[parent.pk]))
        return HttpResponseRedirect(reverse("entrepreneurs:import_job", args=[job.pk]))


class ImportBadRowsView(ImportMixin, View):
    def get(self, request, pk: int):
        job = self.get_job(pk)
        if not job.errors:
            raise Http404
        return xlsx_response(f"导入错误行-{job.pk}.xlsx", tasks.bad_rows_file(job))


class ImportTemplateView(ImportMixin, View):
    def get(self, request):
        return xlsx_response("返乡创业人员导入模板.xlsx", imports.template_workbook(request.user))


class EntrepreneurExportView(LoginRequiredMixin, View):
    """The filtered list (the list page's filter set) to Excel in the import columns. Masked unless the
    user may reveal and asks (``?reveal=1``); every export is logged (exports.export_entrepreneurs)."""

    def get(self, request) -> HttpResponse:
        if resolve(request.user, Entrepreneur, EXPORT).empty:
            raise PermissionDenied
        reveal = request.GET.get("reveal") in ("1", "true", "on")
        params = request.GET.copy()
        params.pop("reveal", None)
        params.pop("page", None)
        params.pop("page_size", None)
        filterset = EntrepreneurFilter(
            params or None, queryset=selectors.entrepreneurs_for_user(request.user, EXPORT), request=request
        )
        try:
            content = exports.export_entrepreneurs(
                user=request.user,
                queryset=filterset.qs,
                reveal=reveal,
                request=request,
                filters={**params.dict(), "via": "web"},
            )
        except DomainError as exc:
            if exc.status == 403:
                raise PermissionDenied(exc.message)
            messages.error(request, f"{exc.message}（{exc.code}）")
            return HttpResponseRedirect(reverse("entrepreneurs:list"))
        return xlsx_response(exports.export_filename(), content)
