from django.urls import path

from madoguchi.web.juki import household, views

urlpatterns = [
    path("registry/", views.lookup, name="registry-lookup"),
    path("registry/households/<str:setai_no>/", views.household, name="registry-household"),
    path("registry/residents/<str:atena_no>/my-number", views.resident_my_number, name="registry-my-number"),
    path("registry/kana", views.kana_suggestions, name="registry-kana"),
    path("registry/postal", views.postal, name="registry-postal"),
    path("cases/<str:number>/registry/attach", views.attach, name="registry-attach"),
    path(
        "cases/<str:number>/registry/attach-household",
        household.attach_household_view,
        name="registry-attach-household",
    ),
    path("cases/<str:number>/registry/override", views.override, name="registry-override"),
    path("cases/<str:number>/card", views.card_post, name="card-post"),
    path("cases/<str:number>/card/<int:reading_id>/my-number", views.card_my_number, name="card-my-number"),
    path("cases/<str:number>/card/<int:reading_id>/verify", views.card_verify, name="card-verify"),
]
