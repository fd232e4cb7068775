"""Reference organizations: the leading group and the member units the work plan names as 责任单位."""

CITY = "411600"

# (code, name, short name, kind)
ORGANIZATIONS = [
    ("ZK-LG", "周口市推进农民工返乡创业工作领导小组办公室", "领导小组办公室", "leading_group"),
    ("ZK-RSJ", "周口市人力资源和社会保障局", "市人社局", "member_unit"),
    ("ZK-CZJ", "周口市财政局", "市财政局", "member_unit"),
    ("ZK-FGW", "周口市发展和改革委员会", "市发展改革委", "member_unit"),
    ("ZK-SCJG", "周口市市场监督管理局", "市市场监管局", "member_unit"),
    ("ZK-SWJ", "国家税务总局周口市税务局", "市税务局", "member_unit"),
    ("ZK-ZRZY", "周口市自然资源和规划局", "市自然资源和规划局", "member_unit"),
    ("ZK-RMYH", "中国人民银行周口市中心支行", "人行周口市中心支行", "member_unit"),
    ("ZK-GXJ", "周口市工业和信息化局", "市工业和信息化局", "member_unit"),
    ("ZK-SWU", "周口市商务局", "市商务局", "member_unit"),
    ("ZK-ZWFW", "周口市政务服务和大数据管理局", "市政务服务和大数据局", "member_unit"),
    ("ZK-YBJ", "周口市医疗保障局", "市医保局", "member_unit"),
    ("ZK-NYNC", "周口市农业农村局", "市农业农村局", "member_unit"),
    ("ZK-WGLY", "周口市文化广电和旅游局", "市文化广电和旅游局", "member_unit"),
]
