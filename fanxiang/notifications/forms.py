from django import forms


class TemplateForm(forms.Form):
    title = forms.CharField(label="站内消息标题", max_length=100)
    body = forms.CharField(label="站内消息内容", widget=forms.Textarea(attrs={"rows": 4}), max_length=1000)
    sms_enabled = forms.BooleanField(label="同时发送短信", required=False)
    sms_body = forms.CharField(
        label="短信内容",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=300,
        required=False,
        help_text="70字以内为一条短信；超出按多条计费。",
    )
