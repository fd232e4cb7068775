from fanxiang.accounts.navigation import nav_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    assignments = user.assignments()
    regions = []
    seen = set()
    for a in assignments:
        if a.region.tree_path not in seen:
            seen.add(a.region.tree_path)
            regions.append(a.region)
    return {
        "nav": nav_for(user),
        "my_assignments": assignments,
        "my_regions": regions,
        "active_region_path": getattr(user, "active_region_path", None),
    }
