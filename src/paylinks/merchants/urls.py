from django.contrib.auth import views as auth_views
from django.urls import path

from paylinks.merchants import views

app_name = "merchants"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/payments/", views.payments_account, name="payments_account"),
    path("account/activity/", views.activity, name="activity"),
    path("account/settings/", views.customise, name="customise"),
    path("brand/<str:merchant_id>/logo-<str:version>.png", views.brand_logo, name="brand_logo"),
    path("brand/<str:merchant_id>/theme-<str:color>.css", views.brand_theme, name="brand_theme"),
]
